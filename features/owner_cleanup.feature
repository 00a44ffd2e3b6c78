@owner-cleanup @deployer
Feature: Owner-reference cleanup
  Flink docs "Native Kubernetes" → Manual Resource Cleanup (reference §1.3, §7.10):
  the Services, the ConfigMaps and the TaskManager pods are owned by the JobManager
  Deployment, so `kubectl delete deployment/<cluster-id>` removes the cluster. How it
  goes depends on the propagation policy (Kubernetes "Garbage Collection"): background
  deletes the Deployment at once and its dependents after; foreground keeps the
  Deployment until its dependents are gone; orphan leaves the dependents running
  without owner. The HA ConfigMaps have no owner and survive the Deployment
  (Native Kubernetes → High-Availability on Kubernetes): ha_cleanup.feature.

  Background:
    Given a Kubernetes cluster with 3 nodes
    And I deploy a session cluster "my-session" with the options:
      | taskmanager.numberOfTaskSlots | 2 |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 4
    And within 2 minutes all 8 tasks of the job "CarTopSpeedWindowingExample" are running

  Scenario: Background deletion removes the Deployment at once and the cluster after it
    Then the pod labelled "app=my-session,component=taskmanager" are owned by the deployment "my-session"
    When I delete the deployment "my-session" with propagation Background
    Then the deployment "my-session" does not exist
    And within a minute nothing labelled "app=my-session" remains

  Scenario: Foreground deletion keeps the Deployment until the TaskManagers and the JobManager are gone
    When I delete the deployment "my-session" with propagation Foreground
    Then within 2 minutes the deployment "my-session" no longer exists
    And no object labelled "app=my-session" exists

  Scenario: Orphan deletion leaves the cluster running without its Deployment
    When I delete the deployment "my-session" with propagation Orphan
    Then within a minute the deployment "my-session" no longer exists
    And the service "my-session-rest" has no owner references
    And the configmap "flink-config-my-session" has no owner references
    And the pod "my-session-taskmanager-1-1" has no owner references
    And for 10 minutes the TaskManager pods of "my-session" remain
    And the job "CarTopSpeedWindowingExample" is RUNNING

  Scenario: Scaling the JobManager to 0 before deleting the Deployment (FLINK-34524)
    The Flink Kubernetes operator scales the JobManager Deployment to 0 first, so that
    the JobManager stops before its TaskManagers; the deletion then removes the rest.

    When I scale the deployment "my-session" to 0 replicas
    Then within a minute the JobManager pod of "my-session" is gone
    When I delete the deployment "my-session"
    Then within a minute nothing labelled "app=my-session" remains
