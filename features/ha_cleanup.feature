@ha @ha-cleanup
Feature: Kubernetes HA data: what survives and what is cleaned up
  Where Kubernetes HA keeps a cluster's state and when it goes (reference §5.2, §5.9;
  docs: Deployment › High Availability › Kubernetes HA Services › High Availability
  data clean up). The HA ConfigMaps have no owner reference: deleting the JobManager
  Deployment keeps them, and a cluster deployed again with the same cluster id
  recovers its jobs from the latest checkpoints. A graceful shutdown (the application
  finished) removes them; a job that reaches a globally terminal state removes its
  job ConfigMap and its execution plan. (Standby JobManagers without HA are refused:
  features/bad_input.feature.)

  Background:
    Given a Kubernetes cluster with 3 nodes

  Scenario: Deleting the Deployment keeps the HA data; deploying again recovers the job from its latest checkpoint
    Given I deploy an HA session cluster "my-session" with 1 JobManager and the options:
      | execution.checkpointing.interval | 10 s |
    And within 2 minutes a JobManager of "my-session" leads
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within 2 minutes the job "CarTopSpeedWindowingExample" has completed at least 3 checkpoints
    When I delete the deployment "my-session"
    Then within a minute no TaskManager pod of "my-session" remains
    And the configmap "my-session-cluster-config-map" exists
    And the configmap "my-session-cluster-config-map" has a key starting with "executionPlan-"
    And the job ConfigMap of "CarTopSpeedWindowingExample" exists
    When 5 minutes pass
    And I deploy an HA session cluster "my-session" with 1 JobManager and the options:
      | execution.checkpointing.interval | 10 s |
    Then within 2 minutes the job "CarTopSpeedWindowingExample" runs from a restored checkpoint
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running

  Scenario: A cancelled job removes its job ConfigMap and its execution plan
    Given I deploy an HA session cluster "my-session" with 2 JobManagers and the options:
      | execution.checkpointing.interval | 10 s |
    And within 2 minutes a JobManager of "my-session" leads
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within 2 minutes the job "CarTopSpeedWindowingExample" has completed at least 1 checkpoint
    When I cancel the job "CarTopSpeedWindowingExample"
    Then within a minute the job "CarTopSpeedWindowingExample" is CANCELED
    And the job ConfigMap of "CarTopSpeedWindowingExample" does not exist
    And the configmap "my-session-cluster-config-map" has no key starting with "executionPlan-"
    And the configmap "my-session-cluster-config-map" has no key starting with "org.apache.flink.k8s.leader.job-"
    And the leader ConfigMap of "my-session" has leader information for resourcemanager, dispatcher and restserver

  Scenario: A finished batch job leaves no HA data behind
    Given I deploy an HA session cluster "my-session" with 2 JobManagers
    And within 2 minutes a JobManager of "my-session" leads
    When I submit the example "batch/WordCount.jar" to "my-session" with parallelism 2
    Then within 2 minutes the job "WordCount Example" is FINISHED
    And the job ConfigMap of "WordCount Example" does not exist
    And the configmap "my-session-cluster-config-map" has no key starting with "executionPlan-"

  Scenario: An application with HA runs its job under the id derived from the HA cluster id, and removes all HA data when it finished
    When I deploy an HA application cluster "my-app" running "local:///opt/flink/examples/batch/WordCount.jar" with 2 JobManagers
    Then within 2 minutes the REST endpoint of "my-app" lists the job "WordCount Example"
    And the job "WordCount Example" has the id "ffffffffc0bf46800000000000000000"
    And within 2 minutes nothing labelled "app=my-app" remains
    And within a minute the configmap "my-app-cluster-config-map" does not exist

  Scenario: An application whose leader is lost keeps its job id and its progress
    Given the object store has the example "streaming/StateMachineExample.jar" at "file:///jobs/state-machine.jar"
    When I deploy an HA application cluster "my-app" running "file:///jobs/state-machine.jar" with 2 JobManagers
    Then within 2 minutes a JobManager of "my-app" leads
    And within 2 minutes the REST endpoint of "my-app" lists the job "State machine job"
    And within 2 minutes the job "State machine job" has completed at least 3 checkpoints
    When the leading JobManager of "my-app" is deleted
    Then within 20 seconds a standby JobManager of "my-app" takes over
    And within 2 minutes the job "State machine job" runs from a restored checkpoint
    And the job "State machine job" has the id "ffffffffc0bf46800000000000000000"

