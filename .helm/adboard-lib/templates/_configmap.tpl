{{/* The service's non-secret settings (values: env), read by the container through envFrom. */}}
{{- define "adboard-lib.configmap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "adboard-lib.name" . }}-config
  labels:
    {{- include "adboard-lib.labels" . | nindent 4 }}
data:
  PORT: {{ include "adboard-lib.containerPort" . | quote }}
  {{- if .Values.hostNetwork }}
  REUSE_PORT: "true"
  {{- end }}
  {{- with (.Values.tracing).otlpEndpoint }}
  OTEL_EXPORTER_OTLP_ENDPOINT: {{ . | quote }}
  {{- end }}
  {{- range $variable, $value := .Values.env }}
  {{ $variable }}: {{ $value | toString | quote }}
  {{- end }}
{{- end -}}
