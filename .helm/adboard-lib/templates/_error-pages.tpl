{{/*
The JSON error backend of the ingress (values: errorPages; enabled in the app-auth chart only, the
other charts' Ingresses name it in ingress.errorBackend). A few lines of nginx configuration:

  X-Code: 401     → 401 {"success": false, "errors": ["Unauthorized"]}   (forward auth said no;
                    ingress-nginx sends its custom-http-errors here, rewritten to "/", with X-Code)
  /not-exposed    → 404 {"success": false, "errors": [{"text": "Not found"}]}   (internal routes)
  anything else   → 503 (ingress-nginx also uses a default-backend when the service has no ready pod)
*/}}
{{- define "adboard-lib.errorPages.nginxConf" -}}
worker_processes 1;
pid /tmp/nginx.pid;
error_log /dev/stderr warn;
daemon off;
events {
  worker_connections 256;
}
http {
  access_log /dev/stdout;
  server_tokens off;
  client_body_temp_path /tmp/client_temp;
  proxy_temp_path /tmp/proxy_temp;
  fastcgi_temp_path /tmp/fastcgi_temp;
  uwsgi_temp_path /tmp/uwsgi_temp;
  scgi_temp_path /tmp/scgi_temp;
  default_type application/json;
  server {
    listen 8080;
    location = /healthz {
      access_log off;
      return 200 '{"success":true}';
    }
    location = /not-exposed {
      return 404 '{"success":false,"errors":[{"text":"Not found"}]}';
    }
    location / {
      if ($http_x_code = "401") {
        return 401 '{"success":false,"errors":["Unauthorized"]}';
      }
      return 503 '{"success":false,"errors":[{"text":"Service unavailable"}]}';
    }
  }
}
{{- end -}}

{{- define "adboard-lib.errorPages" -}}
{{- if .Values.errorPages.enabled }}
{{- $name := .Values.errorPages.name -}}
{{- $selector := dict "app.kubernetes.io/name" $name "app.kubernetes.io/instance" .Release.Name -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $name }}-nginx
  labels:
    {{- toYaml $selector | nindent 4 }}
    app.kubernetes.io/part-of: adboard
data:
  nginx.conf: |
    {{- include "adboard-lib.errorPages.nginxConf" . | nindent 4 }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels:
    {{- toYaml $selector | nindent 4 }}
    app.kubernetes.io/part-of: adboard
spec:
  replicas: 1
  revisionHistoryLimit: 3
  selector:
    matchLabels:
      {{- toYaml $selector | nindent 6 }}
  template:
    metadata:
      labels:
        {{- toYaml $selector | nindent 8 }}
        app.kubernetes.io/part-of: adboard
      annotations:
        checksum/config: {{ include "adboard-lib.errorPages.nginxConf" . | sha256sum }}
    spec:
      automountServiceAccountToken: false
      enableServiceLinks: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 101
        runAsGroup: 101
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: nginx
          image: {{ .Values.errorPages.image | quote }}
          imagePullPolicy: IfNotPresent
          command: ["nginx", "-c", "/etc/adboard-errors/nginx.conf", "-e", "/dev/stderr"]
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
          readinessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 10
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 20
          resources:
            {{- toYaml .Values.errorPages.resources | nindent 12 }}
          securityContext:
            {{- include "adboard-lib.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            - name: config
              mountPath: /etc/adboard-errors
              readOnly: true
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: config
          configMap:
            name: {{ $name }}-nginx
        - name: tmp
          emptyDir:
            sizeLimit: 16Mi
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  labels:
    {{- toYaml $selector | nindent 4 }}
    app.kubernetes.io/part-of: adboard
spec:
  type: ClusterIP
  selector:
    {{- toYaml $selector | nindent 4 }}
  ports:
    - name: http
      port: 80
      targetPort: http
      protocol: TCP
{{- end }}
{{- end -}}
