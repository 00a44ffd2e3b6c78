@ha @ha-failover
Feature: Kubernetes HA failover
  Flink's Kubernetes HA services (reference §5; docs: Deployment › High Availability ›
  Kubernetes HA Services). The JobManagers of a cluster elect a leader on the ConfigMap
  <cluster-id>-cluster-config-map (annotation control-plane.alpha.kubernetes.io/leader);
  the leader publishes the addresses of its resource manager, dispatcher and REST
  endpoint there, keeps the execution plans of its jobs there and their checkpoints in
  a ConfigMap per job. Standby JobManagers (kubernetes.jobmanager.replicas > 1) take
  over when the leader goes (§5.7): the new leader recovers the jobs, which restore
  their latest checkpoint, and the TaskManagers reconnect.

  Background:
    Given a Kubernetes cluster with 3 nodes

  @envtest
  Scenario: The leader publishes its components in the cluster ConfigMap
    When I deploy an HA session cluster "my-session" with 2 JobManagers
    Then within 2 minutes a JobManager of "my-session" leads
    And the leader ConfigMap of "my-session" has leader information for resourcemanager, dispatcher and restserver
    And the configmap "my-session-cluster-config-map" has the labels:
      | app  | my-session              |
      | type | flink-native-kubernetes |
    And the service "my-session" does not exist

  @envtest
  Scenario: A deleted leader hands over at once and the job continues from its latest checkpoint
    Given I deploy an HA session cluster "my-session" with 2 JobManagers and the options:
      | execution.checkpointing.interval | 10 s |
    And within 2 minutes a JobManager of "my-session" leads
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 2
    And within 2 minutes the job "CarTopSpeedWindowingExample" has completed at least 2 checkpoints
    And the configmap "my-session-cluster-config-map" has a key starting with "executionPlan-"
    And the job ConfigMap of "CarTopSpeedWindowingExample" exists
    When the leading JobManager of "my-session" is deleted
    Then within 10 seconds a standby JobManager of "my-session" takes over
    And within 2 minutes the job "CarTopSpeedWindowingExample" runs from a restored checkpoint
    And within 2 minutes all 4 tasks of the job "CarTopSpeedWindowingExample" are running
    And within 2 minutes 2 TaskManagers are registered with "my-session"

  Scenario: A crashed leader does not release the lock: a JobManager leads again within lease and retry bounds
    Given I deploy an HA session cluster "my-session" with 2 JobManagers and the options:
      | execution.checkpointing.interval | 10 s |
    And within 2 minutes a JobManager of "my-session" leads
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within 2 minutes the job "CarTopSpeedWindowingExample" has completed at least 1 checkpoint
    When the leading JobManager of "my-session" crashes
    Then for 10 seconds "my-session" stays without a new leader
    And within 30 seconds a new JobManager of "my-session" leads
    And within 2 minutes the job "CarTopSpeedWindowingExample" runs from a restored checkpoint
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And within a minute the former leader of "my-session" has restarted

  Scenario: Leader information edited by hand is corrected by the leader
    Given I deploy an HA session cluster "my-session" with 2 JobManagers
    And within 2 minutes a JobManager of "my-session" leads
    When someone overwrites the leader information of "my-session" for the resourcemanager
    Then within 10 seconds the leader information of "my-session" for the resourcemanager names the leader again

  Scenario: Deleting the cluster ConfigMap under a leader is fatal for it, as in Flink
    Given I deploy an HA session cluster "my-session" with 2 JobManagers
    And within 2 minutes a JobManager of "my-session" leads
    When I delete the configmap "my-session-cluster-config-map"
    Then within a minute the log of the leading JobManager of "my-session" contains "ConfigMap has been deleted externally"
    And within a minute a new JobManager of "my-session" leads
    And within a minute the former leader of "my-session" has restarted
    And within a minute the configmap "my-session-cluster-config-map" exists

  Scenario: ConfigMap updates slower than the renew deadline cost the leader its leadership, and someone leads again
    Given I deploy an HA session cluster "my-session" with 2 JobManagers
    And within 2 minutes a JobManager of "my-session" leads
    When ConfigMap updates take 20 seconds at the API server
    Then within a minute the log of the leading JobManager of "my-session" contains "Leadership of session"
    When ConfigMap updates are fast again
    Then within a minute a new JobManager of "my-session" leads

  Scenario: A checkpoint whose pointer was stored but whose response was lost is kept, and a new leader restores it or a newer one (FLINK-28265)
    A completed checkpoint counts once its pointer checkpointID-<id> is in the job
    ConfigMap <cluster-id>-<job-id>-config-map (check-and-update, §5.6). Here the API
    server stores that pointer but the JobManager gets a timeout instead of the answer.
    The retry finds its own pointer and takes the write as done; before FLINK-28265 it
    failed with "already exists" and discarded the checkpoint's file under the pointer
    that stayed, a broken state handle that a new leader could not recover from.

    Given I deploy an HA session cluster "my-session" with 2 JobManagers and the options:
      | execution.checkpointing.interval | 10 s |
    And within 2 minutes a JobManager of "my-session" leads
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within 2 minutes the job "CarTopSpeedWindowingExample" has completed at least 1 checkpoint
    When the API server loses the response to the next checkpoint pointer written to the job ConfigMap of "CarTopSpeedWindowingExample"
    Then within a minute the checkpoint of "CarTopSpeedWindowingExample" whose pointer write lost its response is COMPLETED
    And the job ConfigMap of "CarTopSpeedWindowingExample" points at the state of that checkpoint
    And within 2 minutes the job "CarTopSpeedWindowingExample" has completed at least 10 checkpoints
    And the job "CarTopSpeedWindowingExample" is RUNNING
    When the leading JobManager of "my-session" is deleted
    Then within 10 seconds a standby JobManager of "my-session" takes over
    And within 2 minutes the job "CarTopSpeedWindowingExample" runs from a restored checkpoint no older than the one whose pointer write lost its response
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
