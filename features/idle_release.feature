@idle-release @resourcemanager
Feature: Idle TaskManagers are released over hours of jobs coming and going
  Reference §2.3, §4.6 (idle release) and §7.4, Flink option
  resourcemanager.taskmanager-timeout: a TaskManager that has had no allocated slot for
  the timeout is released (its pod deleted), checked every timeout period. A session
  cluster therefore grows TaskManagers for each job and shrinks back to none between
  jobs; TaskManagers that hold slots of a running job are never released, and
  slotmanager.redundant-taskmanager-num keeps spare ones for fast failover.

  Background:
    Given a Kubernetes cluster with 3 nodes

  Scenario: Batch jobs every hour: TaskManagers are started for each and released between them
    Given I deploy a session cluster "my-session" with the options:
      | resourcemanager.taskmanager-timeout | 5 min |
    When I submit the example "batch/WordCount.jar" to "my-session" with parallelism 2
    Then within 2 minutes the job "WordCount Example" is FINISHED
    And for 4 minutes the TaskManager pods of "my-session" remain
    And within 10 minutes no TaskManager pod of "my-session" remains
    And for 45 minutes no TaskManager pod of "my-session" exists
    When I submit the example "batch/WordCount.jar" to "my-session" with parallelism 2
    Then within 2 minutes the job "WordCount Example" is FINISHED
    And the TaskManager pods of "my-session" are "my-session-taskmanager-1-3, my-session-taskmanager-1-4"
    And within 10 minutes no TaskManager pod of "my-session" remains
    And for 45 minutes no TaskManager pod of "my-session" exists
    When I submit the example "batch/WordCount.jar" to "my-session" with parallelism 2
    Then within 2 minutes the job "WordCount Example" is FINISHED
    And the TaskManager pods of "my-session" are "my-session-taskmanager-1-5, my-session-taskmanager-1-6"
    And within 10 minutes no TaskManager pod of "my-session" remains
    And "my-session" created 6 TaskManager pods
    And the JobManager of "my-session" has restarted 0 times

  Scenario: A streaming job keeps its TaskManager for hours while a finished batch job's are released
    Given I deploy a session cluster "my-session" with the options:
      | resourcemanager.taskmanager-timeout | 2 min |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    When I submit the example "batch/WordCount.jar" to "my-session" with parallelism 2
    Then within 2 minutes the job "WordCount Example" is FINISHED
    And within 5 minutes "my-session" has exactly 1 TaskManager pod
    And the TaskManager pods of "my-session" are "my-session-taskmanager-1-1"
    And for 3 hours "my-session" keeps 1 Running TaskManager pod
    And the job "CarTopSpeedWindowingExample" is RUNNING
    And the job "CarTopSpeedWindowingExample" has restarted 0 times

  Scenario: A redundant TaskManager is kept idle for hours and takes over when a busy one crashes
    Given I deploy a session cluster "my-session" with the options:
      | slotmanager.redundant-taskmanager-num | 1           |
      | restart-strategy.type                 | fixed-delay |
      | restart-strategy.fixed-delay.attempts | 3           |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And within a minute "my-session" has 2 Running TaskManager pods
    And for 2 hours "my-session" keeps 2 Running TaskManager pods
    When the TaskManager pod "my-session-taskmanager-1-1" crashes
    Then within 30 seconds all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And within 2 minutes "my-session" has 2 Running TaskManager pods
    And the TaskManager pods of "my-session" are "my-session-taskmanager-1-2, my-session-taskmanager-1-3"
