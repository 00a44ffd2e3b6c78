@taskmanagers @resourcemanager
Feature: TaskManager pods on demand
  Flink docs: Native Kubernetes (TaskManagers allocated and de-allocated as jobs need
  them; → Logging on resourcemanager.taskmanager-timeout), Configuration →
  ResourceManager and Configuration → Kubernetes; FLINK-16439 (pod resources),
  FLINK-24674 (mounted objects), FLINK-19289 and FLINK-38375 (TaskManagers after a
  JobManager restart). The resource manager inside the JobManager starts TaskManager
  pods as jobs need slots (reference §4.6): a job's slot requirements are matched
  against free slots of registered TaskManagers, then pending ones, and what is left
  becomes new pods of taskmanager.numberOfTaskSlots slots each, named
  <cluster-id>-taskmanager-<attempt>-<index> (§4.2). TaskManagers without allocated
  slots for resourcemanager.taskmanager-timeout are released (§2.3, §7.4). After a
  JobManager restart the resource manager recovers the running TaskManager pods of the
  previous attempt and names new pods with the next attempt number (§4.7).

  Background:
    Given a Kubernetes cluster with 3 nodes

  Scenario: A job with parallelism 4 gets exactly 2 TaskManagers of 2 slots
    Given I deploy a session cluster "my-session" with the options:
      | taskmanager.numberOfTaskSlots | 2 |
    When I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 4
    Then within 2 minutes all 8 tasks of the job "CarTopSpeedWindowingExample" are running
    And the TaskManager pods of "my-session" are "my-session-taskmanager-1-1, my-session-taskmanager-1-2"
    And "my-session" created 2 TaskManager pods
    And the JobManager of "my-session" sent 2 create pods requests
    And the TaskManagers of "my-session" sent no create pods requests
    And the TaskManagers of "my-session" sent no delete pods requests
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

  Scenario: TaskManager pods are sized by the worker spec the configuration gives (FLINK-16439)
    The resource manager starts workers with the spec the slot manager requests: cpu
    from kubernetes.taskmanager.cpu.amount (else the number of slots), memory from
    taskmanager.memory.process.size, limits from the limit factors (reference §4.3, §4.6).

    Given I deploy a session cluster "my-session" with the options:
      | taskmanager.numberOfTaskSlots              | 2     |
      | kubernetes.taskmanager.cpu.amount          | 1.5   |
      | kubernetes.taskmanager.cpu.limit-factor    | 2     |
      | taskmanager.memory.process.size            | 2048m |
      | kubernetes.taskmanager.memory.limit-factor | 1.5   |
    When I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 2
    Then within 2 minutes all 4 tasks of the job "CarTopSpeedWindowingExample" are running
    And the TaskManager pod "my-session-taskmanager-1-1" requests 1500m CPU and 2048Mi memory
    And the TaskManager pod "my-session-taskmanager-1-1" limits 3 CPU and 3072Mi memory

  Scenario: Without a cpu amount a TaskManager pod asks for one CPU per slot (FLINK-16439)
    Given I deploy a session cluster "my-session" with the options:
      | taskmanager.numberOfTaskSlots | 3 |
    When I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 3
    Then within 2 minutes all 6 tasks of the job "CarTopSpeedWindowingExample" are running
    And the TaskManager pod "my-session-taskmanager-1-1" requests 3 CPU and 1728Mi memory
    And the TaskManager pod "my-session-taskmanager-1-1" limits 3 CPU and 1728Mi memory

  Scenario: TaskManager pods mount only ConfigMaps and Secrets that exist (FLINK-24674)
    A TaskManager pod reuses what the deployer created (flink-config-<cluster-id>, the
    pod template, the user's secrets) and creates nothing of its own (reference §4.3),
    so the kubelet never waits on a missing volume.

    Given a secret "db-credentials" with the keys:
      | user     | flink  |
      | password | s3cr3t |
    And I deploy a session cluster "my-session" with the options:
      | kubernetes.secrets | db-credentials:/opt/secrets |
    When I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    Then within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And every ConfigMap and Secret the TaskManager pod "my-session-taskmanager-1-1" mounts exists

  Scenario: TaskManager pods that terminated while the JobManager was down are removed, not recovered (FLINK-19289)
    The JobManager crashes twice in a row, so the kubelet restarts it only after a
    back-off of 10 s; in that gap one of the two idle TaskManagers crashes too, and no
    resource manager watches it fail. The next resource manager lists the pods of
    attempt 1, deletes the failed one and recovers only the running one (reference §4.7).

    Given I deploy a session cluster "my-session" with the options:
      | resourcemanager.taskmanager-timeout | 1 h |
    And I submit the example "batch/WordCount.jar" to "my-session" with parallelism 2
    And within 2 minutes the job "WordCount Example" is FINISHED
    And the JobManager of "my-session" crashes
    And within 2 minutes the log of the JobManager of "my-session" contains "recovered=2 attempt=2"
    When the JobManager of "my-session" crashes
    And the TaskManager pod "my-session-taskmanager-1-1" crashes
    Then within 2 minutes the log of the JobManager of "my-session" contains "recovered=1 attempt=2"
    And the log of the JobManager of "my-session" contains "deleting TaskManager pod of a previous attempt that is terminated or not scheduled pod=my-session-taskmanager-1-1"
    And within a minute the TaskManager pods of "my-session" are "my-session-taskmanager-1-2"
    And within 2 minutes 1 TaskManager is registered with "my-session"
    And for 30 minutes the TaskManager pods of "my-session" remain

  Scenario: After a JobManager crash the recovered TaskManagers become idle and are released (FLINK-38375)
    Without HA the restarted JobManager has lost the session's job; the TaskManagers of
    attempt 1 register again, hold no slots, and are released after
    resourcemanager.taskmanager-timeout instead of lingering for ever.

    Given I deploy a session cluster "my-session" with the options:
      | taskmanager.numberOfTaskSlots | 2 |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 4
    And within 2 minutes all 8 tasks of the job "CarTopSpeedWindowingExample" are running
    When the JobManager of "my-session" crashes
    Then within 2 minutes the log of the JobManager of "my-session" contains "recovered=2 attempt=2"
    And within 2 minutes 2 TaskManagers are registered with "my-session"
    And within 2 minutes no TaskManager pod of "my-session" remains
    And for an hour no TaskManager pod of "my-session" exists
