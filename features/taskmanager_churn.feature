@churn @resourcemanager
Feature: TaskManager churn over a day
  Reference §4.5–§4.8 and Flink docs "Task Failure Recovery": a TaskManager pod that
  fails is deleted by the resource manager and, while its slots are needed, replaced
  by a pod with the next index; the job restarts by its restart strategy, from its
  latest completed checkpoint when it checkpoints. Over a long life a cluster must
  neither leak pods nor lose its job.

  Background:
    Given a Kubernetes cluster with 3 nodes

  Scenario: A day of TaskManager crashes: the job stays up on replacement pods
    Given I deploy a session cluster "my-session" with the options:
      | restart-strategy.type                 | fixed-delay |
      | restart-strategy.fixed-delay.attempts | 100         |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 2
    And within 2 minutes all 4 tasks of the job "CarTopSpeedWindowingExample" are running
    When 24 hours pass with a TaskManager pod of "my-session" crashing every 2 hours
    Then within 2 minutes all 4 tasks of the job "CarTopSpeedWindowingExample" are running
    And the job "CarTopSpeedWindowingExample" has restarted 12 times
    And within a minute "my-session" has exactly 2 TaskManager pods
    And "my-session" created 14 TaskManager pods
    And no TaskManager pod of "my-session" was restarted in place
    And the JobManager of "my-session" has restarted 0 times

  Scenario: Checkpoints for hours; after a TaskManager crash the job resumes from the latest one
    Given a session cluster "my-session" is running
    And I submit the job "Counting" to "my-session":
      | parallelism                           | 2           |
      | checkpoint interval                   | 1 minute    |
      | restart-strategy.type                 | fixed-delay |
      | restart-strategy.fixed-delay.attempts | 3           |
    And within 2 minutes all 2 tasks of the job "Counting" are running
    When 3 hours pass
    Then within a minute the job "Counting" has completed at least 175 checkpoints
    When the TaskManager pod "my-session-taskmanager-1-1" crashes
    Then within 2 minutes all 2 tasks of the job "Counting" are running
    And within a minute the job "Counting" runs from a restored checkpoint
    And the job "Counting" has restarted 1 time
    When 30 minutes pass
    Then the job "Counting" is RUNNING
    And within a minute the job "Counting" has completed at least 200 checkpoints
