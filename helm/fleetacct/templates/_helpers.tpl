{{- define "fleetacct.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "fleetacct.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "fleetacct.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The Kafka client properties file: the credentials Secret's when given, else the ConfigMap's. */}}
{{- define "fleetacct.clientProperties" -}}
{{- if .Values.kafka.credentialsSecret -}}/etc/fleetacct/kafka-secret/client.properties{{- else -}}/etc/fleetacct/kafka/client.properties{{- end -}}
{{- end -}}

{{- define "fleetacct.kafkaVolumes" -}}
- name: kafka-config
  configMap:
    name: {{ include "fleetacct.fullname" . }}-kafka
{{- if .Values.kafka.credentialsSecret }}
- name: kafka-secret
  secret:
    secretName: {{ .Values.kafka.credentialsSecret }}
{{- end }}
{{- end -}}

{{- define "fleetacct.kafkaMounts" -}}
- name: kafka-config
  mountPath: /etc/fleetacct/kafka
  readOnly: true
{{- if .Values.kafka.credentialsSecret }}
- name: kafka-secret
  mountPath: /etc/fleetacct/kafka-secret
  readOnly: true
{{- end }}
{{- end -}}
