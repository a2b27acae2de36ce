{{/*
The ingress-nginx routes of one service, host arch.homework, prefix /<name> stripped (rewrite-target
/$2). They mirror packages/gateway/src/route-rules.ts (values: routes.public, routes.internal, plus
ALWAYS_PUBLIC_PREFIXES and ALWAYS_INTERNAL_PREFIXES below); packages/charts/test checks both agree, path by path.

How ingress-nginx chooses among them (docs: user-guide/ingress-path-matching, "Path Priority"):
every path of the host becomes a case-insensitive regex location `location ~* "^<path>"`, and
since nginx takes the FIRST regex location that matches, ingress-nginx writes them ordered by
descending path length. The paths of a prefix (public or internal) are always longer than the
service's catch-all `/<name>(/|$)(.*)`, so they win over it. Annotations are per Ingress, so the
routes need separate Ingress objects:

  <name>-public    no auth: /health, /ready, /docs and the service's public prefixes
                   (app-auth: the whole service).
  <name>           forward auth: the catch-all, i.e. everything else (protected).
                   auth-url answers 200 + X-Auth-Token (copied onto the upstream request,
                   replacing any the client sent) or 401. nginx would render its own HTML page for
                   that 401; custom-http-errors + default-backend hand it to the error backend
                   (adboard-errors, deployed by the app-auth chart), which answers the contract's
                   401 {"success": false, "errors": ["Unauthorized"]}.
  <name>-internal  /metrics (scraped on the service port) and the internal prefixes, routed
                   to the error backend (never to the service), rewritten to /not-exposed, where it answers 404 {"success": false, "errors":
                   [{"text": "Not found"}]}, as the local gateway does. (A path pointing at a
                   Service that does not exist would answer 503, and lookahead regexes are not
                   RE2, which ingress-nginx requires, so an explicit blocking route it is.)

A prefix p matches p itself and everything under p/ (route-rules.ts: matchesPrefix), hence
`/<name>(/)(p(/.*)?)$`; `/` means the whole service.
*/}}
{{- define "adboard-lib.prefixPath" -}}
{{- $prefix := .prefix -}}
{{- if eq $prefix "/" -}}
/{{ .name }}(/|$)(.*)
{{- else if hasSuffix "/" $prefix -}}
/{{ .name }}(/)({{ trimPrefix "/" $prefix | regexQuoteMeta }}.*)
{{- else -}}
/{{ .name }}(/)({{ trimPrefix "/" $prefix | regexQuoteMeta }}(/.*)?)$
{{- end -}}
{{- end -}}

{{- define "adboard-lib.ingressRule" -}}
- host: {{ .host | quote }}
  http:
    paths:
      {{- range .paths }}
      - path: {{ . | quote }}
        pathType: ImplementationSpecific
        backend:
          service:
            name: {{ $.backend }}
            port:
              number: 80
      {{- end }}
{{- end -}}

{{- define "adboard-lib.ingress" -}}
{{- if .Values.ingress.enabled }}
{{- $name := include "adboard-lib.name" . -}}
{{- $ing := .Values.ingress -}}
{{- $alwaysPublic := list "/health" "/ready" "/docs" -}}
{{- $alwaysInternal := list "/metrics" -}}
{{- $wholeServicePublic := has "/" .Values.routes.public -}}
{{- $publicPaths := list -}}
{{- if $wholeServicePublic -}}
{{- $publicPaths = list (include "adboard-lib.prefixPath" (dict "name" $name "prefix" "/")) -}}
{{- else -}}
{{- range (concat $alwaysPublic .Values.routes.public) -}}
{{- $publicPaths = append $publicPaths (include "adboard-lib.prefixPath" (dict "name" $name "prefix" .)) -}}
{{- end -}}
{{- end -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ $name }}-public
  labels:
    {{- include "adboard-lib.labels" . | nindent 4 }}
  annotations:
    nginx.ingress.kubernetes.io/use-regex: "true"
    nginx.ingress.kubernetes.io/rewrite-target: /$2
spec:
  ingressClassName: {{ $ing.className }}
  rules:
    {{- include "adboard-lib.ingressRule" (dict "host" $ing.host "paths" $publicPaths "backend" $name) | nindent 4 }}
{{- if not $wholeServicePublic }}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ $name }}
  labels:
    {{- include "adboard-lib.labels" . | nindent 4 }}
  annotations:
    nginx.ingress.kubernetes.io/use-regex: "true"
    nginx.ingress.kubernetes.io/rewrite-target: /$2
    nginx.ingress.kubernetes.io/auth-url: {{ printf "http://%s.%s.svc.cluster.local/api/v1/auth" $ing.authService .Release.Namespace | quote }}
    nginx.ingress.kubernetes.io/auth-response-headers: X-Auth-Token
    nginx.ingress.kubernetes.io/custom-http-errors: "401"
    nginx.ingress.kubernetes.io/default-backend: {{ $ing.errorBackend }}
spec:
  ingressClassName: {{ $ing.className }}
  rules:
    {{- include "adboard-lib.ingressRule" (dict "host" $ing.host "paths" (list (include "adboard-lib.prefixPath" (dict "name" $name "prefix" "/"))) "backend" $name) | nindent 4 }}
{{- end }}
{{- $internalPaths := list -}}
{{- range (concat $alwaysInternal .Values.routes.internal) -}}
{{- $internalPaths = append $internalPaths (include "adboard-lib.prefixPath" (dict "name" $name "prefix" .)) -}}
{{- end }}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ $name }}-internal
  labels:
    {{- include "adboard-lib.labels" $ | nindent 4 }}
  annotations:
    nginx.ingress.kubernetes.io/use-regex: "true"
    nginx.ingress.kubernetes.io/rewrite-target: /not-exposed
spec:
  ingressClassName: {{ $ing.className }}
  rules:
    {{- include "adboard-lib.ingressRule" (dict "host" $ing.host "paths" $internalPaths "backend" $ing.errorBackend) | nindent 4 }}
{{- end }}
{{- end -}}
