@pod-failures @resourcemanager
Feature: TaskManager pod failures
  What Flink does when TaskManager pods fail (reference §4.5, §4.6, §4.8; Flink docs:
  Native Kubernetes, Task Failure Recovery, Configuration → ResourceManager): a pod
  that terminates is deleted and, while its slots are still needed, replaced by a pod
  with the next index, not restarted in place (FLINK-17332), and the job restarts by
  its restart strategy. Spare TaskManagers (slotmanager.redundant-taskmanager-num)
  that cannot be scheduled are waited for, not requested again and again
  (FLINK-31498); a pod deleted before it was scheduled is replaced (FLINK-31652). Pod
  starts that fail count towards resourcemanager.start-worker.max-failure-rate;
  reaching it pauses new pods for resourcemanager.start-worker.retry-interval.
  TaskManagers lost with their node (heartbeat.timeout) are in node_failures.feature.

  @envtest
  Scenario: A crashed TaskManager pod is replaced with the next index and the job restarts
    Given a Kubernetes cluster with 3 nodes
    And I deploy a session cluster "my-session" with the options:
      | taskmanager.numberOfTaskSlots         | 2           |
      | restart-strategy.type                 | fixed-delay |
      | restart-strategy.fixed-delay.attempts | 3           |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 4
    And within 2 minutes all 8 tasks of the job "CarTopSpeedWindowingExample" are running
    When the TaskManager pod "my-session-taskmanager-1-1" crashes
    Then within a minute the TaskManager pods of "my-session" are "my-session-taskmanager-1-2, my-session-taskmanager-1-3"
    And within 2 minutes all 8 tasks of the job "CarTopSpeedWindowingExample" are running
    And the job "CarTopSpeedWindowingExample" has restarted 1 time
    And the latest failure of the job "CarTopSpeedWindowingExample" mentions "my-session-taskmanager-1-1"
    And "my-session" created 3 TaskManager pods

  Scenario: A crashed TaskManager pod is not restarted in place but replaced (FLINK-17332)
    TaskManager pods have restartPolicy Never: the kubelet leaves a crashed TaskManager's
    pod Failed, and it is the resource manager that deletes it and decides on a new
    one (reference §4.3, §9 fact 7).

    Given a Kubernetes cluster with 3 nodes
    And I deploy a session cluster "my-session" with the options:
      | restart-strategy.type                 | fixed-delay |
      | restart-strategy.fixed-delay.attempts | 3           |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And the TaskManager pods of "my-session" have the restart policy "Never"
    And the JobManager pods of "my-session" have the restart policy "Always"
    When the TaskManager pod "my-session-taskmanager-1-1" crashes with exit code 3
    Then within a minute the TaskManager pods of "my-session" are "my-session-taskmanager-1-2"
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And within a minute the log of the JobManager of "my-session" contains "exitCode=3"
    And no TaskManager pod of "my-session" was restarted in place
    And "my-session" created 2 TaskManager pods

  Scenario: An OOM-killed TaskManager is replaced the same way
    Given a Kubernetes cluster with 3 nodes
    And I deploy a session cluster "my-session" with the options:
      | restart-strategy.type | fixed-delay |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    When the TaskManager pod "my-session-taskmanager-1-1" is OOM-killed
    Then within a minute the TaskManager pods of "my-session" are "my-session-taskmanager-1-2"
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And within a minute the log of the JobManager of "my-session" contains "reason=OOMKilled"

  Scenario: Redundant TaskManagers that cannot be scheduled stay Pending and are not requested again and again (FLINK-31498)
    slotmanager.redundant-taskmanager-num keeps spare TaskManagers beyond the slots the
    jobs use (reference §2.3, §4.6). The node fits the JobManager and two TaskManagers
    only, so the two spares stay Pending. A pending TaskManager counts as a spare: the
    check that runs every resourcemanager.taskmanager-timeout (30 s) asks for no more
    pods, where Flink before FLINK-31498 asked for new spares on every check.

    Given a Kubernetes cluster with 1 node of 3500m CPU and 16Gi memory
    And I deploy a session cluster "my-session" with the options:
      | slotmanager.redundant-taskmanager-num | 2 |
    When I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 2
    Then within 2 minutes all 4 tasks of the job "CarTopSpeedWindowingExample" are running
    And within a minute the TaskManager pod "my-session-taskmanager-1-3" is Pending
    And within a minute the TaskManager pod "my-session-taskmanager-1-4" is Pending
    And within a minute the pod "my-session-taskmanager-1-4" has the event "FailedScheduling" mentioning "Insufficient cpu"
    And for an hour "my-session" keeps 2 Running TaskManager pods
    And the TaskManager pods of "my-session" are "my-session-taskmanager-1-1, my-session-taskmanager-1-2, my-session-taskmanager-1-3, my-session-taskmanager-1-4"
    And "my-session" created 4 TaskManager pods
    And the job "CarTopSpeedWindowingExample" is RUNNING

  Scenario: A pod deleted while Pending is replaced (FLINK-31652)
    Given a Kubernetes cluster with 3 nodes
    And I deploy a session cluster "my-session" with the options:
      | kubernetes.taskmanager.node-selector | disk:ssd |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within a minute the TaskManager pod "my-session-taskmanager-1-1" is Pending
    When I delete the pod "my-session-taskmanager-1-1"
    Then within a minute the TaskManager pod "my-session-taskmanager-1-2" is Pending
    When the node "node-2" gets the label "disk=ssd"
    Then within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And the TaskManager pods of "my-session" are "my-session-taskmanager-1-2"

  Scenario: Reaching the maximum start failure rate pauses pod creation for the retry interval
    Given a Kubernetes cluster with 3 nodes
    And I deploy a session cluster "my-session" with the options:
      | resourcemanager.start-worker.max-failure-rate | 3    |
      | resourcemanager.start-worker.retry-interval   | 10 s |
    And within a minute the REST endpoint of "my-session" answers from inside the cluster
    And the API server refuses the next 5 TaskManager pod creations with "exceeded quota: pods, requested: pods=1, used: pods=10, limited: pods=10"
    When I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    Then within 5 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And the TaskManager pod creations of "my-session" were attempted at +0s, +0s, +0s, +10s, +20s and +30s
    And the TaskManager pods of "my-session" are "my-session-taskmanager-1-6"
