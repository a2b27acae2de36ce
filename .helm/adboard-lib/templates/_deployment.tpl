{{/*
The service's Deployment.

- Migrations: an init container runs `main.js migrate` before every new pod serves (a failing
  migration stops the rollout while the old pods keep serving). The migrator takes an advisory lock,
  so replicas starting together apply each migration once.
- Graceful termination: on deletion the pod first sleeps in preStop (values: preStopSleepSeconds) so
  the ingress and kube-proxy drop it from their endpoints, then gets SIGTERM and has
  SHUTDOWN_TIMEOUT_MS (10 s) to finish in-flight requests; terminationGracePeriodSeconds covers both.
- Probes: startup and liveness on /health (the process answers), readiness on /ready (503 until the
  database, Redis or Kafka answer, so a pod without its dependencies gets no traffic).
- hostNetwork (values): for a cluster whose pods have no network of their own; every service then
  needs a port of its own on the node (values: port) and URLs that reach the others there (values: env).
*/}}
{{- define "adboard-lib.deployment" -}}
{{- $name := include "adboard-lib.name" . -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels:
    {{- include "adboard-lib.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  revisionHistoryLimit: 3
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  selector:
    matchLabels:
      {{- include "adboard-lib.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "adboard-lib.labels" . | nindent 8 }}
      annotations:
        # A changed ConfigMap rolls the pods (envFrom is read only at container start).
        checksum/config: {{ include "adboard-lib.configmap" . | sha256sum }}
        # Prometheus's annotation-based pod discovery: GET /metrics on the service port.
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ include "adboard-lib.containerPort" . | quote }}
        prometheus.io/path: /metrics
    spec:
      automountServiceAccountToken: false
      enableServiceLinks: false
      {{- if .Values.hostNetwork }}
      hostNetwork: true
      dnsPolicy: ClusterFirstWithHostNet
      {{- end }}
      terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        runAsGroup: 1000
        seccompProfile:
          type: RuntimeDefault
      {{- if .Values.migrations.enabled }}
      initContainers:
        - name: migrate
          image: {{ include "adboard-lib.image" . | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          command: ["node", {{ include "adboard-lib.main" . | quote }}, "migrate"]
          envFrom:
            {{- include "adboard-lib.envFrom" . | nindent 12 }}
          {{- with include "adboard-lib.secretEnv" . | trim }}
          env:
            {{- . | nindent 12 }}
          {{- end }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          securityContext:
            {{- include "adboard-lib.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      {{- end }}
      containers:
        - name: {{ $name }}
          image: {{ include "adboard-lib.image" . | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          command: ["node", {{ include "adboard-lib.main" . | quote }}]
          {{- if not .Values.hostNetwork }}
          ports:
            - name: http
              containerPort: {{ include "adboard-lib.containerPort" . }}
              protocol: TCP
          {{- end }}
          envFrom:
            {{- include "adboard-lib.envFrom" . | nindent 12 }}
          {{- with include "adboard-lib.secretEnv" . | trim }}
          env:
            {{- . | nindent 12 }}
          {{- end }}
          startupProbe:
            httpGet:
              path: /health
              port: {{ include "adboard-lib.portRef" . }}
            periodSeconds: 2
            failureThreshold: 30
          livenessProbe:
            httpGet:
              path: /health
              port: {{ include "adboard-lib.portRef" . }}
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: /ready
              port: {{ include "adboard-lib.portRef" . }}
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 2
          lifecycle:
            preStop:
              exec:
                command: ["sleep", "{{ .Values.preStopSleepSeconds }}"]
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          securityContext:
            {{- include "adboard-lib.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
{{- end -}}
