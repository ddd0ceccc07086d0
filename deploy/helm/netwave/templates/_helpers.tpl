{{/* Names, labels and the pieces every netwave container shares. */}}

{{- define "netwave.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "netwave.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "netwave.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "netwave.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "netwave.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "netwave.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "netwave.selectorLabels" -}}
app.kubernetes.io/name: {{ include "netwave.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "netwave.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "netwave.configName" -}}
{{- printf "%s-config" (include "netwave.fullname" .) }}
{{- end }}

{{- define "netwave.secretName" -}}
{{- default (printf "%s-secrets" (include "netwave.fullname" .)) .Values.existingSecret }}
{{- end }}

{{/* Settings: the same ConfigMap and Secret for the API, the workers and the migration Job. */}}
{{- define "netwave.envFrom" -}}
- configMapRef:
    name: {{ include "netwave.configName" . }}
- secretRef:
    name: {{ include "netwave.secretName" . }}
{{- end }}

{{/* Rolls the pods when settings change (ConfigMap and Secret are hooks, so hash the values). */}}
{{- define "netwave.checksums" -}}
checksum/config: {{ toJson .Values.env | sha256sum }}
checksum/secret: {{ printf "%s%s" (toJson .Values.secretEnv) .Values.existingSecret | sha256sum }}
{{- end }}

{{/* A read-only root filesystem: var_dir and /tmp are scratch volumes. */}}
{{- define "netwave.volumeMounts" -}}
- name: var
  mountPath: {{ .Values.env.NETWAVE_VAR_DIR }}
- name: tmp
  mountPath: /tmp
{{- if .Values.inventories.existingClaim }}
- name: inventories
  mountPath: {{ .Values.env.NETWAVE_INVENTORIES_PATH }}
  readOnly: true
{{- end }}
{{- end }}

{{- define "netwave.volumes" -}}
- name: var
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- if .Values.inventories.existingClaim }}
- name: inventories
  persistentVolumeClaim:
    claimName: {{ .Values.inventories.existingClaim }}
    readOnly: true
{{- end }}
{{- end }}

{{- define "netwave.podSpecCommon" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Workers serve Prometheus metrics on metrics.port; the label is what the metrics Service selects. */}}
{{- define "netwave.workerMetricsLabel" -}}
{{- if .Values.metrics.enabled -}}
netwave.io/metrics: worker
{{- end }}
{{- end }}

{{- define "netwave.workerMetricsPort" -}}
{{- if .Values.metrics.enabled -}}
env:
  - name: NETWAVE_METRICS_PORT
    value: {{ .Values.metrics.port | quote }}
ports:
  - name: metrics
    containerPort: {{ .Values.metrics.port }}
{{- end }}
{{- end }}
