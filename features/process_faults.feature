@process-faults @resourcemanager
Feature: Hung TaskManagers and a JobManager cut off from the API server
  Faults that leave a pod Running but its process unable to take part (reference §4.5,
  §4.6, §4.8; Flink's "Heartbeat" options heartbeat.interval and heartbeat.timeout).

  A hung TaskManager (a long GC pause, a deadlock, a stuck disk) stays Running on
  Kubernetes, so the resource manager's pod watch sees nothing: it is the heartbeat
  timeout that loses it. The JobMaster fails the job's tasks on it and the resource
  manager deletes its pod and, since the slots are still needed, requests a new one.
  A TaskManager that resumes within the heartbeat timeout loses nothing.

  The JobManager talks to the API server only to manage TaskManager pods (and, with HA,
  for leader election): cut off from it without HA, it keeps running its jobs on the
  TaskManagers it has, its pod watch delivers nothing and its pod creations hang and
  fail. Once it reaches the API server again, the held watch events arrive and the
  missing TaskManagers are requested and started.

  Background:
    Given a Kubernetes cluster with 3 nodes
    And I deploy a session cluster "my-session" with the options:
      | taskmanager.numberOfTaskSlots         | 2           |
      | restart-strategy.type                 | fixed-delay |
      | restart-strategy.fixed-delay.attempts | 10          |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 4
    And within 2 minutes all 8 tasks of the job "CarTopSpeedWindowingExample" are running

  Scenario: A hung TaskManager is lost by heartbeat and replaced
    When the TaskManager pod "my-session-taskmanager-1-1" hangs
    Then within 2 minutes the log of the JobManager of "my-session" contains "Heartbeat of TaskManager with id my-session-taskmanager-1-1 timed out"
    And within 2 minutes the TaskManager pods of "my-session" are "my-session-taskmanager-1-2, my-session-taskmanager-1-3"
    And within 2 minutes all 8 tasks of the job "CarTopSpeedWindowingExample" are running
    And the job "CarTopSpeedWindowingExample" has restarted 1 time
    And the JobManager of "my-session" has restarted 0 times

  Scenario: A TaskManager that resumes within the heartbeat timeout keeps its slots
    When the TaskManager pod "my-session-taskmanager-1-2" hangs
    And 20 seconds pass
    And the TaskManager pod "my-session-taskmanager-1-2" resumes
    Then for 10 minutes the TaskManager pods of "my-session" remain
    And the job "CarTopSpeedWindowingExample" is RUNNING
    And the job "CarTopSpeedWindowingExample" has restarted 0 times

  Scenario: A JobManager cut off from the API server keeps running its job
    When the JobManager of "my-session" is cut off from the API server
    Then for 30 minutes the TaskManager pods of "my-session" remain
    And the job "CarTopSpeedWindowingExample" is RUNNING
    And the job "CarTopSpeedWindowingExample" has restarted 0 times
    And the JobManager of "my-session" has restarted 0 times
    When the JobManager of "my-session" reaches the API server again
    Then for 10 minutes the TaskManager pods of "my-session" remain
    And the job "CarTopSpeedWindowingExample" is RUNNING

  Scenario: A JobManager cut off from the API server replaces a lost TaskManager only once it reaches it again
    Its pod creations fail after the client's request timeout (10 s) and are retried
    as start failures; none reaches the API server until the cut is mended.

    When the JobManager of "my-session" is cut off from the API server
    And the TaskManager pod "my-session-taskmanager-1-1" crashes
    Then within 2 minutes the log of the JobManager of "my-session" contains "could not create TaskManager pod"
    And for 10 minutes "my-session" keeps 1 Running TaskManager pod
    And "my-session" created 2 TaskManager pods
    When the JobManager of "my-session" reaches the API server again
    Then within 2 minutes "my-session" has 2 Running TaskManager pods
    And within 2 minutes all 8 tasks of the job "CarTopSpeedWindowingExample" are running
    And within a minute "my-session" has exactly 2 TaskManager pods
    And the JobManager of "my-session" has restarted 0 times

  Scenario: Every TaskManager pod a label selector picks crashes at once, and all are replaced
    When the pods labelled "app=my-session,component=taskmanager" crash
    Then within a minute the TaskManager pods of "my-session" are "my-session-taskmanager-1-3, my-session-taskmanager-1-4"
    And within 2 minutes all 8 tasks of the job "CarTopSpeedWindowingExample" are running
    And the job "CarTopSpeedWindowingExample" has restarted 1 time
    And the JobManager of "my-session" has restarted 0 times

  Scenario: A crashed TaskManager of one job restarts that job only
    The second job's slots are on a TaskManager of its own, as the first job's fill
    both of theirs; the crash of "any TaskManager pod of the job" hits that one.

    Given I submit the example "streaming/StateMachineExample.jar" to "my-session" with parallelism 2
    And within 2 minutes all 4 tasks of the job "State machine job" are running
    When any TaskManager pod of the job "State machine job" crashes
    Then within a minute that TaskManager pod is gone
    And within 2 minutes all 4 tasks of the job "State machine job" are running
    And the job "State machine job" has restarted 1 time
    And the job "CarTopSpeedWindowingExample" has restarted 0 times
    And within a minute "my-session" has exactly 3 TaskManager pods
