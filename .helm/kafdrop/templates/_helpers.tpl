{{- define "kafdrop.selectorLabels" -}}
app.kubernetes.io/name: kafdrop
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kafdrop.labels" -}}
{{ include "kafdrop.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: adboard
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}
