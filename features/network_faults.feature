@network-faults @resourcemanager
Feature: Network partitions between TaskManagers and the JobManager, and from the API server
  Flink's heartbeats (docs: Configuration › Fault Tolerance, heartbeat.interval 10 s and
  heartbeat.timeout 50 s; reference §4.6 "TM heartbeat timeout … connection closed and
  the pod is deleted via the driver", §4.8): a TaskManager that the JobManager cannot
  reach is lost when its heartbeats have not come back for heartbeat.timeout, even
  though its pod stays Running and Kubernetes sees nothing wrong. The JobMaster fails
  the tasks it ran, the resource manager deletes its pod and, as the slots are still
  needed, requests a new one; the job restarts by its restart strategy. A partition
  that heals within the timeout costs nothing: heartbeats that timed out during it
  (pekko.ask.timeout) do not count as a lost peer, only missing answers for the whole
  heartbeat.timeout do.

  With Kubernetes HA (docs: Deployment › High Availability › Kubernetes HA Services;
  reference §5.5, §5.7) a TaskManager learns who leads from its watch on the cluster
  ConfigMap: cut off from the API server, it keeps working for the leader it knows, and
  follows a new one only once its watch delivers again.

  Background:
    Given a Kubernetes cluster with 3 nodes

  Scenario: A TaskManager cut off from the JobManager is lost by heartbeat, released and replaced
    Given I deploy a session cluster "my-session" with the options:
      | restart-strategy.type                 | fixed-delay |
      | restart-strategy.fixed-delay.attempts | 10          |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 2
    And within 2 minutes all 4 tasks of the job "CarTopSpeedWindowingExample" are running
    When any TaskManager pod of the job "CarTopSpeedWindowingExample" is cut off from the JobManager of "my-session"
    Then within 2 minutes the log of the JobManager of "my-session" contains "timed out."
    And within 2 minutes that TaskManager pod is gone
    And within 2 minutes "my-session" has 2 Running TaskManager pods
    And within 2 minutes all 4 tasks of the job "CarTopSpeedWindowingExample" are running
    And the job "CarTopSpeedWindowingExample" has restarted 1 time
    And "my-session" created 3 TaskManager pods
    And the JobManager of "my-session" has restarted 0 times

  Scenario: A partition that heals within the heartbeat timeout costs nothing
    Given I deploy a session cluster "my-session" with the options:
      | restart-strategy.type                 | fixed-delay |
      | restart-strategy.fixed-delay.attempts | 10          |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 2
    And within 2 minutes all 4 tasks of the job "CarTopSpeedWindowingExample" are running
    When any TaskManager pod of the job "CarTopSpeedWindowingExample" is cut off from the JobManager of "my-session"
    And 30 seconds pass
    And that TaskManager pod reaches the JobManager of "my-session" again
    Then for 10 minutes the TaskManager pods of "my-session" remain
    And the job "CarTopSpeedWindowingExample" is RUNNING
    And the job "CarTopSpeedWindowingExample" has restarted 0 times
    And "my-session" created 2 TaskManager pods

  Scenario: A longer heartbeat.timeout rides out a longer partition
    The same two-minute partition that loses the TaskManager under the default timeout
    costs nothing with heartbeat.timeout at three minutes.

    Given I deploy a session cluster "my-session" with the options:
      | heartbeat.timeout                     | 3 min       |
      | restart-strategy.type                 | fixed-delay |
      | restart-strategy.fixed-delay.attempts | 10          |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 2
    And within 2 minutes all 4 tasks of the job "CarTopSpeedWindowingExample" are running
    When the TaskManager pod "my-session-taskmanager-1-1" is cut off from the JobManager of "my-session"
    And 2 minutes pass
    And the TaskManager pod "my-session-taskmanager-1-1" reaches the JobManager of "my-session" again
    Then for 10 minutes the TaskManager pods of "my-session" remain
    And the job "CarTopSpeedWindowingExample" has restarted 0 times
    And the log of the JobManager of "my-session" does not contain "timed out."

  Scenario: A TaskManager cut off from the API server follows a new leader only once it reaches it again
    The new leader's resource manager takes both TaskManager pods back as workers of
    the previous attempt (reference §4.7) but, with
    resourcemanager.previous-worker.recovery.timeout at 0, serves the job's slot
    requirements at once: the TaskManager that does not know where to register is
    replaced by a new pod. Once its ConfigMap watch delivers again it registers, as a
    worker the job no longer needs, and is released when idle
    (resourcemanager.taskmanager-timeout).

    Given I deploy an HA session cluster "my-session" with 2 JobManagers and the options:
      | execution.checkpointing.interval | 10 s |
    And within 2 minutes a JobManager of "my-session" leads
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 2
    And within 2 minutes the job "CarTopSpeedWindowingExample" has completed at least 1 checkpoint
    When any TaskManager pod of the job "CarTopSpeedWindowingExample" is cut off from the API server
    And the leading JobManager of "my-session" is deleted
    Then within 30 seconds a standby JobManager of "my-session" takes over
    And within 2 minutes the job "CarTopSpeedWindowingExample" runs from a restored checkpoint
    And within 2 minutes all 4 tasks of the job "CarTopSpeedWindowingExample" are running
    And for 2 minutes that TaskManager pod is not registered with "my-session"
    And "my-session" created 3 TaskManager pods
    When that TaskManager pod reaches the API server again
    Then within a minute that TaskManager pod is registered with "my-session"
    And within 2 minutes that TaskManager pod is gone
    And the job "CarTopSpeedWindowingExample" has restarted 0 times

  Scenario: With a recovery timeout the new leader waits for the TaskManager cut off from the API server
    resourcemanager.previous-worker.recovery.timeout holds the job's slot requirements
    back until the recovered workers registered (reference §4.7): no pod is started in
    place of the TaskManager that cannot learn of the new leader, and the job runs
    again on it once its ConfigMap watch delivers.

    Given I deploy an HA session cluster "my-session" with 2 JobManagers and the options:
      | execution.checkpointing.interval                 | 10 s  |
      | resourcemanager.previous-worker.recovery.timeout | 5 min |
    And within 2 minutes a JobManager of "my-session" leads
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 2
    And within 2 minutes the job "CarTopSpeedWindowingExample" has completed at least 1 checkpoint
    When any TaskManager pod of the job "CarTopSpeedWindowingExample" is cut off from the API server
    And the leading JobManager of "my-session" is deleted
    Then within 30 seconds a standby JobManager of "my-session" takes over
    And within a minute 1 TaskManager is registered with "my-session"
    And for 15 seconds that TaskManager pod is not registered with "my-session"
    And "my-session" created 2 TaskManager pods
    When that TaskManager pod reaches the API server again
    Then within a minute that TaskManager pod is registered with "my-session"
    And within 2 minutes the job "CarTopSpeedWindowingExample" runs from a restored checkpoint
    And within 2 minutes all 4 tasks of the job "CarTopSpeedWindowingExample" are running
    And "my-session" created 2 TaskManager pods
