@ha @flink-issues
Feature: Kubernetes HA failure stories from Flink's issue tracker
  Bugs Flink fixed in its Kubernetes HA services, each encoded with the fixed behaviour
  (reference §5.4–§5.6, §5.9). FLINK-28265 (a checkpoint pointer stored in the job
  ConfigMap whose response was lost) is in ha_failover.feature.

  Background:
    Given a Kubernetes cluster with 3 nodes

  Scenario: A TaskManager started after the election learns the leader at once from the ConfigMap it finds (FLINK-32010)
    The retriever is told about the leader when its informer first lists the ConfigMap
    (ADDED), not only with the next change — which would come with the leader's next
    renewal, up to high-availability.kubernetes.leader-election.retry-period (5 s) later.

    Given I deploy an HA session cluster "my-session" with 1 JobManager
    And within 2 minutes a JobManager of "my-session" leads
    When I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    Then within a minute the TaskManager pod "my-session-taskmanager-1-1" is Running
    And within 2 seconds the log of the TaskManager pod "my-session-taskmanager-1-1" contains "New ResourceManager leader found"
    And within 2 seconds 1 TaskManager is registered with "my-session"

  Scenario: ConfigMap watches ended with 410 Gone are watched again, and leadership goes on (FLINK-20417)
    Given I deploy an HA session cluster "my-session" with 2 JobManagers and the options:
      | execution.checkpointing.interval | 10 s |
    And within 2 minutes a JobManager of "my-session" leads
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    When the API server ends the ConfigMap watches of "my-session" with 410 Gone
    And 2 minutes pass
    Then the job "CarTopSpeedWindowingExample" is RUNNING
    And within 10 seconds a JobManager of "my-session" leads
    When the leading JobManager of "my-session" is deleted
    Then within 20 seconds a standby JobManager of "my-session" takes over
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running

  Scenario: A session cluster's HA data is cleaned per job, and survives the Deployment (FLINK-20219)
    Given I deploy an HA session cluster "my-session" with 1 JobManager and the options:
      | execution.checkpointing.interval | 10 s |
    And within 2 minutes a JobManager of "my-session" leads
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And I submit the example "batch/WordCount.jar" to "my-session" with parallelism 1
    And within 2 minutes the job "WordCount Example" is FINISHED
    And within 2 minutes the job "CarTopSpeedWindowingExample" has completed at least 1 checkpoint
    Then the job ConfigMap of "WordCount Example" does not exist
    And the job ConfigMap of "CarTopSpeedWindowingExample" exists
    When I delete the deployment "my-session"
    Then within a minute no TaskManager pod of "my-session" remains
    And the configmap "my-session-cluster-config-map" exists
    And the job ConfigMap of "CarTopSpeedWindowingExample" exists
