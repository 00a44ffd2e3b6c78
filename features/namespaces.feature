@namespaces @deployer
Feature: Namespaces
  Flink docs "Native Kubernetes" → Namespace (reference §7.3): every object of a
  cluster, and the TaskManager pods its resource manager starts, go to
  kubernetes.namespace. The cluster id only needs to be unique within a namespace.

  Background:
    Given a Kubernetes cluster with 3 nodes

  Scenario: A cluster in its own namespace keeps everything there
    Given I work in the namespace "analytics"
    When I deploy a session cluster "my-session"
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    Then within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And the TaskManager pods of "my-session" are "my-session-taskmanager-1-1"
    And the configmap "flink-config-my-session" is owned by the deployment "my-session"
    When I work in the namespace "default"
    Then no object labelled "app=my-session" exists

  Scenario: Two clusters with the same id in two namespaces live side by side
    Given I work in the namespace "team-a"
    And I deploy a session cluster "my-session"
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 2
    And within 2 minutes all 4 tasks of the job "CarTopSpeedWindowingExample" are running
    When I work in the namespace "team-b"
    And I deploy a session cluster "my-session"
    And I submit the example "batch/WordCount.jar" to "my-session" with parallelism 1
    Then within 2 minutes the job "WordCount Example" is FINISHED
    And within 2 minutes no TaskManager pod of "my-session" remains
    When I delete the deployment "my-session"
    Then within a minute nothing labelled "app=my-session" remains
    When I work in the namespace "team-a"
    Then the TaskManager pods of "my-session" are "my-session-taskmanager-1-1, my-session-taskmanager-1-2"
    And the job "CarTopSpeedWindowingExample" is RUNNING
