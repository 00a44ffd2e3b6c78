@taskmanagers @resourcemanager
Feature: TaskManager pods on demand
  The resource manager inside the JobManager starts TaskManager pods as jobs need
  slots (reference §4.6): a job's slot requirements are matched against free slots
  of registered TaskManagers, then pending ones, and what is left becomes new pods of
  taskmanager.numberOfTaskSlots slots each, named <cluster-id>-taskmanager-<attempt>-<index>
  (§4.2). TaskManagers without allocated slots for resourcemanager.taskmanager-timeout
  are released (§2.3, §7.4). After a JobManager restart the resource manager recovers
  the running TaskManager pods of the previous attempt and names new pods with the
  next attempt number (§4.7).

  Background:
    Given a Kubernetes cluster with 3 nodes

  Scenario: A job with parallelism 4 gets exactly 2 TaskManagers of 2 slots
    Given I deploy a session cluster "my-session" with the options:
      | taskmanager.numberOfTaskSlots | 2 |
    When I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 4
    Then within 2 minutes all 8 tasks of the job "CarTopSpeedWindowingExample" are running
    And the TaskManager pods of "my-session" are "my-session-taskmanager-1-1, my-session-taskmanager-1-2"
    And "my-session" created 2 TaskManager pods
    And within a minute 2 TaskManagers are registered with "my-session"

  Scenario: Idle TaskManagers are released after resourcemanager.taskmanager-timeout
    Given I deploy a session cluster "my-session" with the options:
      | taskmanager.numberOfTaskSlots | 2 |
    When I submit the example "batch/WordCount.jar" to "my-session" with parallelism 4
    Then within 2 minutes the job "WordCount Example" is FINISHED
    And the result of the job "WordCount Example" is SUCCEEDED
    And for 25 seconds the TaskManager pods of "my-session" remain
    And within a minute no TaskManager pod of "my-session" remains

  Scenario: A longer resourcemanager.taskmanager-timeout keeps idle TaskManagers
    Given I deploy a session cluster "my-session" with the options:
      | resourcemanager.taskmanager-timeout | 10 min |
    When I submit the example "batch/WordCount.jar" to "my-session" with parallelism 2
    Then within 2 minutes the job "WordCount Example" is FINISHED
    And for 5 minutes the TaskManager pods of "my-session" remain

  Scenario: A JobManager restart recovers the TaskManagers of attempt 1; new pods get attempt 2
    Given I deploy a session cluster "my-session" with the options:
      | resourcemanager.taskmanager-timeout | 10 min |
    And I submit the example "batch/WordCount.jar" to "my-session" with parallelism 2
    And within 2 minutes the job "WordCount Example" is FINISHED
    When the JobManager of "my-session" crashes
    Then within 2 minutes the log of the JobManager of "my-session" contains "recovered=2 attempt=2"
    And within 2 minutes 2 TaskManagers are registered with "my-session"
    When I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 3
    Then within 2 minutes all 6 tasks of the job "CarTopSpeedWindowingExample" are running
    And the TaskManager pods of "my-session" are "my-session-taskmanager-1-1, my-session-taskmanager-1-2, my-session-taskmanager-2-1"
    And "my-session" created 3 TaskManager pods
