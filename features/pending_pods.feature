@pending-pods @resourcemanager
Feature: Pending TaskManager pods
  Flink docs: Native Kubernetes (Flink allocates and de-allocates TaskManagers as the
  jobs need them) and Configuration → ResourceManager; reference §4.4 and §4.8. A
  TaskManager pod request completes when the pod is scheduled, and there is no timeout
  for Pending pods — the resource manager waits for the scheduler, without asking for
  more pods, and the job waits for its slots (slot.request.timeout). Spare
  TaskManagers that stay Pending (slotmanager.redundant-taskmanager-num, FLINK-31498)
  are in pod_failures.feature. The scheduler leaves a pod that fits no node Pending
  with a FailedScheduling event ("0/1 nodes are available: 1 Insufficient cpu.") and
  tries again when capacity changes: a pod deleted elsewhere, a node added. Every pod
  of the Flink side requests what it is given: the JobManager 1 CPU
  (kubernetes.jobmanager.cpu.amount), each TaskManager one CPU per slot.

  Scenario: A TaskManager that does not fit stays Pending until another cluster frees the node
    Given a Kubernetes cluster with 1 node of 3500m CPU and 16Gi memory
    And a session cluster "team-a" is running
    And I submit the example "streaming/TopSpeedWindowing.jar" to "team-a" with parallelism 1
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And I deploy a session cluster "team-b" with the options:
      | slot.request.timeout | 3 h |
    When I submit the example "streaming/StateMachineExample.jar" to "team-b" with parallelism 1
    Then within a minute the TaskManager pod "team-b-taskmanager-1-1" is Pending
    And within a minute the pod "team-b-taskmanager-1-1" has the event "FailedScheduling" mentioning "0/1 nodes are available: 1 Insufficient cpu."
    And for 2 hours the TaskManager pod "team-b-taskmanager-1-1" stays Pending
    And "team-b" created 1 TaskManager pod
    When I delete the deployment "team-a"
    Then within 2 minutes all 2 tasks of the job "State machine job" are running
    And the TaskManager pods of "team-b" are "team-b-taskmanager-1-1"

  Scenario: A node that joins the cluster takes the pending TaskManagers and the job runs
    Given a Kubernetes cluster with 1 node of 2500m CPU and 16Gi memory
    And I deploy a session cluster "my-session" with the options:
      | slot.request.timeout | 2 h |
    When I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 3
    Then within a minute "my-session" has 1 Running TaskManager pod
    And within a minute the pod "my-session-taskmanager-1-3" has the event "FailedScheduling" mentioning "Insufficient cpu"
    And for an hour "my-session" keeps 1 Running TaskManager pod
    And "my-session" created 3 TaskManager pods
    When a node "node-2" of 4 CPU and 16Gi memory joins the cluster
    Then within 2 minutes "my-session" has 3 Running TaskManager pods
    And within 2 minutes all 6 tasks of the job "CarTopSpeedWindowingExample" are running
    And "my-session" created 3 TaskManager pods
