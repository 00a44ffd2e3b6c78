@watch-errors @resourcemanager
Feature: Errors on the TaskManager pod watch
  The resource manager watches its TaskManager pods (reference §4.1, §4.5, §4.8). A
  watch that ends with 410 Gone ("too old resource version", after etcd compaction or
  an API-server restart) or whose connection breaks is watched again from
  resourceVersion 0, and the pods it lists again are reconciled; failing watch
  creations are retried with exponential back-off
  (kubernetes.transactional-operation.max-retries). Any other watch error is fatal to
  the resource manager: the JobManager process ends and its Deployment restarts it,
  and the new JobManager recovers the TaskManager pods of the previous attempt.

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

  Scenario: Failing watch creations are retried with back-off
    Given the API server refuses the next 3 TaskManager pod watches with 503
    When the API server ends the TaskManager pod watch of "my-session" with 410 Gone
    And 2 minutes pass
    Then the resource manager of "my-session" watched the TaskManager pods again 4 times
    And the JobManager of "my-session" has restarted 0 times
    When the TaskManager pod "my-session-taskmanager-1-1" crashes
    Then within a minute the TaskManager pods of "my-session" are "my-session-taskmanager-1-2"

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
