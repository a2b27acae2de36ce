{{/*
The service's name: app-user, app-auth, ... It names the Deployment, the Service (so other services
reach it as http://<name>), the ConfigMap and the Ingresses, and it is the ingress path prefix.
*/}}
{{- define "adboard-lib.name" -}}
{{- required "values: name (the service name, e.g. app-user)" .Values.name -}}
{{- end -}}

{{- define "adboard-lib.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) -}}
{{- end -}}

{{- define "adboard-lib.selectorLabels" -}}
app.kubernetes.io/name: {{ include "adboard-lib.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "adboard-lib.labels" -}}
{{ include "adboard-lib.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: adboard
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The container's port (values: port): PORT in the ConfigMap, the probes and the Service's targetPort use it. */}}
{{- define "adboard-lib.containerPort" -}}
{{ .Values.port | default 8080 }}
{{- end -}}

{{/*
How the probes and the Service name that port. On the pod network it is the declared port "http".
On the host network (values: hostNetwork) no port is declared, since a declared port becomes a host
port that the scheduler gives to one pod per node, which would stop a rolling update's new pod from
starting beside the old one; the number is used instead, and the service listens with SO_REUSEPORT.
*/}}
{{- define "adboard-lib.portRef" -}}
{{- if .Values.hostNetwork -}}
{{ include "adboard-lib.containerPort" . }}
{{- else -}}
http
{{- end -}}
{{- end -}}

{{/* The script the container runs (values: main; default <name>/dist/src/main.js). */}}
{{- define "adboard-lib.main" -}}
{{- .Values.main | default (printf "%s/dist/src/main.js" (include "adboard-lib.name" .)) -}}
{{- end -}}

{{/*
Hardened container settings shared by the service, its migrate init container and the error backend.
*/}}
{{- define "adboard-lib.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/*
The container environment: the non-secret settings come from the ConfigMap (envFrom), the secret ones
from Secrets by reference (secretKeyRef); no secret value is ever rendered by the chart.
*/}}
{{- define "adboard-lib.envFrom" -}}
- configMapRef:
    name: {{ include "adboard-lib.name" . }}-config
{{- end -}}

{{- define "adboard-lib.secretEnv" -}}
{{- range $variable, $ref := .Values.secretEnv }}
- name: {{ $variable }}
  valueFrom:
    secretKeyRef:
      name: {{ required (printf "values: secretEnv.%s.secret" $variable) $ref.secret }}
      key: {{ $ref.key | default $variable }}
{{- end }}
{{- end -}}
