@hostnetwork @resourcemanager
Feature: Host network
  Flink docs: Configuration → Kubernetes (kubernetes.hostnetwork.enabled: "the
  JobManager service account should have the permission to update Kubernetes
  service"). With the option on, JobManager and TaskManager pods run on their node's
  network (spec.hostNetwork, dnsPolicy ClusterFirstWithHostNet, no container ports;
  reference §1.4). Pods on one node then share its ports, so the JobManager's entrypoint
  leaves every port to its listeners — rest.bind-port, jobmanager.rpc.port,
  blob.server.port, high-availability.jobmanager.port and taskmanager.rpc.port become
  0 (§1.11) — and once its resource manager starts it points the Services at the ports
  taken: the REST Service's "rest" port and, without HA, the internal Service's
  "jobmanager-rpc" and "blobserver" ports (§4.1). TaskManagers learn the JobManager's
  RPC port from their -D properties.

  The simulated node hands out free ports from 32768 upwards in the order they are
  asked for; the JobManager binds its RPC endpoint, its REST endpoint and its blob
  server in that order.

  Background:
    Given a Kubernetes cluster with 1 node

  Scenario: TaskManagers on one node take ports of their own and the Services follow the JobManager's
    Three TaskManagers of one slot share the node's network with the JobManager: on
    the fixed port 6122 all but one would fail to start.

    Given I deploy a session cluster "my-session" with the options:
      | kubernetes.hostnetwork.enabled | true |
      | taskmanager.numberOfTaskSlots  | 1    |
    When I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 3
    Then within 2 minutes all 6 tasks of the job "CarTopSpeedWindowingExample" are running
    And the TaskManager pods of "my-session" are "my-session-taskmanager-1-1, my-session-taskmanager-1-2, my-session-taskmanager-1-3"
    And within a minute the port "rest" of the service "my-session-rest" targets port 32769
    And within a minute the port "jobmanager-rpc" of the service "my-session" targets port 32768
    And within a minute the port "blobserver" of the service "my-session" targets port 32770
    And within a minute the REST endpoint of "my-session" answers from inside the cluster
    And the JobManager of "my-session" has restarted 0 times

  Scenario: With HA only the REST Service is pointed at the leader
    TaskManagers find the leader through the HA ConfigMaps, at the address the leader
    publishes; there is no internal Service.

    Given I deploy an HA session cluster "my-session" with 1 JobManager and the options:
      | kubernetes.hostnetwork.enabled | true |
    When I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    Then within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And within a minute the port "rest" of the service "my-session-rest" targets port 32769
    And the service "my-session" does not exist
    And the JobManager of "my-session" has restarted 0 times
