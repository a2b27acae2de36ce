{{/*
Opt-in objects for the Prometheus Operator (values: metrics.serviceMonitor.enabled,
metrics.prometheusRule.enabled; both off by default, as a cluster without the operator has no such
kinds). The pods carry prometheus.io/* scrape annotations either way.

- ServiceMonitor: scrapes GET /metrics on the Service's http port every metrics.interval.
- PrometheusRule: the alerts on this service's metrics (5xx rate, stuck purchases, an outbox that
  does not drain, dead letters). A rule whose metric the service does not export never fires.
The metrics carry their own `service` label (honorLabels keeps it as the service set it).
*/}}
{{- define "adboard-lib.servicemonitor" -}}
{{- if .Values.metrics.serviceMonitor.enabled -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "adboard-lib.name" . }}
  labels:
    {{- include "adboard-lib.labels" . | nindent 4 }}
    {{- with .Values.metrics.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "adboard-lib.selectorLabels" . | nindent 6 }}
  endpoints:
    - port: http
      path: /metrics
      interval: {{ .Values.metrics.interval }}
      honorLabels: true
{{- end -}}
{{- end -}}

{{- define "adboard-lib.prometheusrule" -}}
{{- if .Values.metrics.prometheusRule.enabled -}}
{{- $service := include "adboard-lib.name" . -}}
{{- $selector := printf "service=%q" $service -}}
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: {{ $service }}
  labels:
    {{- include "adboard-lib.labels" . | nindent 4 }}
    {{- with .Values.metrics.prometheusRule.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  groups:
    - name: {{ $service }}
      rules:
        - alert: AdboardHighErrorRate
          expr: |
            sum(rate(http_request_duration_seconds_count{ {{- $selector }},status_code=~"5.."}[5m]))
              / sum(rate(http_request_duration_seconds_count{ {{- $selector }}}[5m])) > 0.05
          for: 5m
          labels:
            severity: critical
          annotations:
            summary: {{ printf "More than 5%% of %s's answers are 5xx" $service | quote }}
        - alert: AdboardPurchasesStuck
          expr: sum(purchases_unfinished{ {{- $selector }},kind="stuck"}) > 0
          for: 5m
          labels:
            severity: critical
          annotations:
            summary: "Purchases retried 10 times or more: their money may be held"
        - alert: AdboardOutboxGrowing
          expr: outbox_backlog_events{ {{- $selector }}} > 0 and outbox_oldest_event_age_seconds{ {{- $selector }}} > 60
          for: 5m
          labels:
            severity: warning
          annotations:
            summary: {{ printf "%s's outbox is not draining: events wait over a minute" $service | quote }}
        - alert: AdboardServiceCredentialsRefused
          expr: sum(increase(service_credentials_refused_total{ {{- $selector }}}[5m])) > 0
          labels:
            severity: warning
          annotations:
            summary: {{ printf "%s refused service credentials: a caller's key is not (yet) among its SERVICE_CALLER_KEYS, a clock is off, or someone forges calls" $service | quote }}
        - alert: AdboardDeadLetters
          expr: sum(event_dead_letters{ {{- $selector }}}) > 0
          labels:
            severity: warning
          annotations:
            summary: {{ printf "%s set events aside in dead_letter: they need a look" $service | quote }}
        - alert: AdboardEventsDropped
          expr: sum(increase(events_dropped_total{ {{- $selector }}}[1h])) > 0
          labels:
            severity: critical
          annotations:
            summary: {{ printf "%s dropped events it could not even store in dead_letter: see its 'event dropped' log lines" $service | quote }}
{{- end -}}
{{- end -}}
