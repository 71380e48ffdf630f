{{/* The label deploy/ puts on every object (kustomize labels, not on selectors). */}}
{{- define "portcullis.labels" -}}
app.kubernetes.io/part-of: portcullis
{{- end }}

{{/* The operator's namespace. */}}
{{- define "portcullis.namespace" -}}
{{ .Values.namespace.name }}
{{- end }}

{{/* The operator image: repository:tag, or repository[:tag]@digest when a digest is given. */}}
{{- define "portcullis.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}{{ if .Values.image.tag }}:{{ .Values.image.tag }}{{ end }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ $tag }}
{{- end -}}
{{- end }}

{{/* The ServiceAccount subject every binding names. */}}
{{- define "portcullis.subject" -}}
- kind: ServiceAccount
  name: portcullis-operator
  namespace: {{ include "portcullis.namespace" . }}
{{- end }}
