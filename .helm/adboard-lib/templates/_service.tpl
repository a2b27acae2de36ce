{{/* ClusterIP Service named after the service: other services call http://<name> (port 80). */}}
{{- define "adboard-lib.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "adboard-lib.name" . }}
  labels:
    {{- include "adboard-lib.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "adboard-lib.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: 80
      targetPort: {{ include "adboard-lib.portRef" . }}
      protocol: TCP
{{- end -}}
