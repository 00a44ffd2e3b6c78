@watch-errors @resourcemanager
Feature: Errors on the TaskManager pod watch
  The resource manager watches its TaskManager pods (reference §4.1, §4.5, §4.8;
  Flink docs: Configuration → Kubernetes, kubernetes.transactional-operation.*). A
  watch that ends with 410 Gone ("too old resource version", after etcd compaction or
  an API-server restart) is watched again from resourceVersion 0 (FLINK-20417: the
  first scenario), as is one whose connection breaks, and the pods it lists again
  are reconciled. Failing watch creations are retried with exponential back-off
  (FLINK-33728: kubernetes.transactional-operation.initial-retry-delay,
  max-retry-delay and max-retries). Any other watch error, or a watch creation that
  still fails after the retries, is fatal to the resource manager: the JobManager
  process ends and its Deployment restarts it, and the new JobManager recovers the
  TaskManager pods of the previous attempt.

  Background:
    Given a Kubernetes cluster with 3 nodes
    And I deploy a session cluster "my-session" with the options:
      | restart-strategy.type                 | fixed-delay |
      | restart-strategy.fixed-delay.attempts | 3           |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running

  Scenario: After 410 Gone the resource manager watches again and still replaces a crashed TaskManager
    When the API server ends the TaskManager pod watch of "my-session" with 410 Gone
    And 10 seconds pass
    Then the resource manager of "my-session" watched the TaskManager pods again once
    When the TaskManager pod "my-session-taskmanager-1-1" crashes
    Then within a minute the TaskManager pods of "my-session" are "my-session-taskmanager-1-2"
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And the JobManager of "my-session" has restarted 0 times

  Scenario: A dropped watch connection is watched again without a JobManager restart
    When the API server drops the TaskManager pod watch of "my-session"
    And 10 seconds pass
    Then the resource manager of "my-session" watched the TaskManager pods again once
    When I delete the pod "my-session-taskmanager-1-1"
    Then within a minute the TaskManager pods of "my-session" are "my-session-taskmanager-1-2"
    And the JobManager of "my-session" has restarted 0 times

  Scenario: Refused watch creations are retried with exponential back-off (FLINK-33728)
    Since FLINK-33728 the resource manager creates the pod watch again with back-off:
    kubernetes.transactional-operation.initial-retry-delay (50 ms), doubled after each
    failure up to kubernetes.transactional-operation.max-retry-delay (1 min), at most
    kubernetes.transactional-operation.max-retries (15) times.

    Given the API server refuses the next 3 TaskManager pod watches with 503
    When the API server ends the TaskManager pod watch of "my-session" with 410 Gone
    And 2 minutes pass
    Then the resource manager of "my-session" watched the TaskManager pods again 4 times
    And the resource manager of "my-session" watched the TaskManager pods again at +0s, +50ms, +150ms and +350ms
    And the JobManager of "my-session" has restarted 0 times
    When the TaskManager pod "my-session-taskmanager-1-1" crashes
    Then within a minute the TaskManager pods of "my-session" are "my-session-taskmanager-1-2"

  Scenario: Watch creations refused beyond kubernetes.transactional-operation.max-retries end the JobManager (FLINK-33728)
    Fifteen retries with back-off capped at a minute take almost six minutes; when the
    last one is refused too, the resource manager fails fatally, the JobManager process
    ends and its Deployment restarts it; the new JobManager watches again and recovers
    the TaskManager of the previous attempt.

    Given the API server refuses the next 16 TaskManager pod watches with 503
    When the API server ends the TaskManager pod watch of "my-session" with 410 Gone
    And 5 minutes pass
    Then the resource manager of "my-session" watched the TaskManager pods again at +0s, +50ms, +150ms, +350ms, +750ms, +1.55s, +3.15s, +6.35s, +12.75s, +25.55s, +51.15s, +1m42.35s, +2m42.35s, +3m42.35s and +4m42.35s
    And the JobManager of "my-session" has restarted 0 times
    And within 2 minutes the JobManager of "my-session" has restarted 1 time
    And within 2 minutes the log of the JobManager of "my-session" contains "recovered=1 attempt=2"
    And within 2 minutes 1 TaskManager is registered with "my-session"
    And the TaskManager pods of "my-session" are "my-session-taskmanager-1-1"

  Scenario: Any other watch error restarts the JobManager, which recovers its TaskManagers
    Without HA the restarted JobManager does not know the session's jobs any more; its
    resource manager still takes the running TaskManager back.

    When the API server ends the TaskManager pod watch of "my-session" with an internal error
    Then within 2 minutes the JobManager of "my-session" has restarted 1 time
    And within 2 minutes the log of the JobManager of "my-session" contains "recovered=1 attempt=2"
    And within 2 minutes 1 TaskManager is registered with "my-session"
    And the TaskManager pods of "my-session" are "my-session-taskmanager-1-1"

  Scenario: A watch that expires every 10 minutes for 5 hours does not disturb the job
    When 5 hours pass with the TaskManager pod watch of "my-session" ending with 410 Gone every 10 minutes
    Then the job "CarTopSpeedWindowingExample" is RUNNING
    And the job "CarTopSpeedWindowingExample" has restarted 0 times
    And the JobManager of "my-session" has restarted 0 times
    And the TaskManager pods of "my-session" are "my-session-taskmanager-1-1"
