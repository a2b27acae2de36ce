{{/*
Who may open a connection to the service's pods (values: networkPolicy): its entry points (the
ingress controller's pods; the gateway chart's, where it is the entry point instead), the services
that call it (those whose settings point at it; app-auth: every service, for its JWKS) and the
metrics scrapers' namespaces — nobody else. So no other pod can send a request, let alone an
X-Forwarded-For that TRUSTED_PROXIES (the pod network, since the controller's pods have no fixed
address) would believe. Enforced by network plugins that implement NetworkPolicy (Calico, Cilium;
minikube: `minikube start --cni=calico`); others accept the object and ignore it.
*/}}
{{- define "adboard-lib.networkpolicy" -}}
{{- if .Values.networkPolicy.enabled }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "adboard-lib.name" . }}
  labels:
    {{- include "adboard-lib.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "adboard-lib.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress]
  ingress:
    - from:
        {{- range .Values.networkPolicy.entryPoints }}
        - podSelector:
            matchLabels:
              {{- required "values: networkPolicy.entryPoints[].podLabels" .podLabels | toYaml | nindent 14 }}
          {{- with .namespace }}
          namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ . }}
          {{- end }}
        {{- end }}
        {{- range .Values.networkPolicy.callers }}
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: {{ . }}
        {{- end }}
        {{- range .Values.networkPolicy.scraperNamespaces }}
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ . }}
        {{- end }}
      ports:
        - port: {{ include "adboard-lib.portRef" . }}
          protocol: TCP
{{- end }}
{{- end -}}
