@templates @cli
Feature: Pod templates: sidecars, init containers, volumes
  Flink docs "Native Kubernetes" → Pod Template, and reference §3: a pod template file
  (kubernetes.pod-template-file.default, .jobmanager, .taskmanager) is the base of the
  JobManager and TaskManager pods. Flink's main container is the template's container
  named flink-main-container (or a new one), always placed after the sidecars; the
  template's init containers, volumes and labels are kept and Flink's own volumes
  appended. The TaskManager template is shipped to the JobManager in the ConfigMap
  pod-template-<cluster-id>.

  Background:
    Given a Kubernetes cluster with 3 nodes
    And the local file "/home/flink/pod-template.yaml" contains:
      """
      apiVersion: v1
      kind: Pod
      metadata:
        name: jobmanager-pod-template
        labels:
          team: analytics
      spec:
        initContainers:
          - name: artifacts-fetcher
            image: busybox:latest
            command: ["sh", "-c", "echo fetched > /flink-artifact/my-job.jar"]
            volumeMounts:
              - mountPath: /flink-artifact
                name: flink-artifact
        containers:
          - name: flink-main-container
            resources:
              requests:
                ephemeral-storage: 2048Mi
            env:
              - name: TEAM
                value: analytics
            volumeMounts:
              - mountPath: /opt/flink/usrlib
                name: flink-artifact
              - mountPath: /opt/flink/log
                name: flink-logs
          - name: sidecar-log-collector
            image: busybox:latest
            command: ["sh", "-c", "sleep 3600"]
            volumeMounts:
              - mountPath: /flink-logs
                name: flink-logs
        volumes:
          - name: flink-artifact
            emptyDir: {}
          - name: flink-logs
            emptyDir: {}
      """

  Scenario: The template's sidecar, init container and volumes come with Flink's main container
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session -Dkubernetes.pod-template-file.default=/home/flink/pod-template.yaml`
    Then the command succeeds
    And the JobManager pod template of "my-session" has the containers "sidecar-log-collector, flink-main-container"
    And the JobManager pod template of "my-session" has the init containers "artifacts-fetcher"
    And the JobManager pod template of "my-session" has the volumes "flink-artifact, flink-logs, user-artifacts-volume, flink-config-volume, pod-template-volume"
    And the JobManager pod template of "my-session" has the label "team=analytics"
    And the JobManager pod template of "my-session" has the label "component=jobmanager"
    And the container "flink-main-container" of the JobManager pod template of "my-session" mounts "flink-artifact" at "/opt/flink/usrlib"
    And the container "flink-main-container" of the JobManager pod template of "my-session" mounts "flink-config-volume" at "/opt/flink/conf"
    And the container "flink-main-container" of the JobManager pod template of "my-session" has the environment variable "TEAM" set to "analytics"
    And the container "flink-main-container" of the JobManager pod template of "my-session" requests "2048Mi" of "ephemeral-storage"
    And the container "flink-main-container" of the JobManager pod template of "my-session" requests "1600Mi" of "memory"
    And the container "sidecar-log-collector" of the JobManager pod template of "my-session" has the image "busybox:latest"
    And the configmap "pod-template-my-session" has the key "taskmanager-pod-template.yaml"
    And the configmap "pod-template-my-session" is owned by the deployment "my-session"
    And within a minute the init container "artifacts-fetcher" of the JobManager pod of "my-session" has completed
    And within a minute every container of the JobManager pod of "my-session" is running

  Scenario: Configuration wins over the template for the image
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session -Dkubernetes.pod-template-file.jobmanager=/home/flink/pod-template.yaml -Dkubernetes.container.image.ref=flink:2.0`
    Then the command succeeds
    And the container "flink-main-container" of the JobManager pod template of "my-session" has the image "flink:2.0"
    And the configmap "pod-template-my-session" does not exist
    And within a minute every container of the JobManager pod of "my-session" is running

  Scenario: An application cluster gets the same pod from the template
    When I run `flink run -t kubernetes-application -Dkubernetes.cluster-id=my-app -Dkubernetes.pod-template-file.default=/home/flink/pod-template.yaml local:///opt/flink/examples/streaming/TopSpeedWindowing.jar`
    Then the command succeeds
    And the JobManager pod template of "my-app" has the containers "sidecar-log-collector, flink-main-container"
    And the JobManager pod template of "my-app" has the init containers "artifacts-fetcher"
    And within a minute every container of the JobManager pod of "my-app" is running

  Scenario: A TaskManager template that names another namespace still gets TaskManagers
    Reference §3.3: objects are created in kubernetes.namespace, which is authoritative
    over a template's metadata.namespace (the API server would refuse a pod whose
    namespace differs from the one its create names).

    Given the local file "/home/flink/taskmanager-template.yaml" contains:
      """
      apiVersion: v1
      kind: Pod
      metadata:
        namespace: somewhere-else
        labels:
          team: analytics
      """
    And I deploy a session cluster "my-session" with the options:
      | kubernetes.pod-template-file.taskmanager | /home/flink/taskmanager-template.yaml |
    And within a minute the REST endpoint of "my-session" answers from inside the cluster
    When I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    Then within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And the TaskManager pods of "my-session" are "my-session-taskmanager-1-1"
