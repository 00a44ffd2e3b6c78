@ha @process-faults
Feature: A hung or crashed JobManager under Kubernetes HA
  Faults of single JobManager processes of an HA cluster (docs: Deployment › High
  Availability › Kubernetes HA Services; reference §5.3, §5.7, §5.8; options
  high-availability.kubernetes.leader-election.lease-duration, renew-deadline and
  retry-period, 15 s, 15 s and 5 s). A leader that hangs (a long GC pause, a deadlock)
  stays Running and keeps its lock on the cluster ConfigMap until the lease runs out:
  its renewals hang, it revokes its own leadership when the renew deadline passes, and
  only then may a standby take the lock, so the two never lead at once. The standby
  recovers the jobs from their latest checkpoints and the TaskManagers follow it. When
  the hung JobManager resumes it is a standby. A crashed standby is restarted by the
  kubelet and leaves the leader and its jobs alone.

  Background:
    Given a Kubernetes cluster with 3 nodes
    And I deploy an HA session cluster "my-session" with 2 JobManagers and the configuration:
      """
      execution.checkpointing.interval: 10 s
      """
    And within 2 minutes a JobManager of "my-session" leads
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 2
    And within 2 minutes the job "CarTopSpeedWindowingExample" has completed at least 1 checkpoint

  Scenario: A hung leader is succeeded by a standby once its lease ran out, and never leads alongside it
    When the leading JobManager of "my-session" hangs
    Then for 10 seconds "my-session" stays without a new leader
    And within 30 seconds a standby JobManager of "my-session" takes over
    And within 2 minutes the job "CarTopSpeedWindowingExample" runs from a restored checkpoint
    And within 2 minutes all 4 tasks of the job "CarTopSpeedWindowingExample" are running
    And within a minute 2 TaskManagers are registered with "my-session"
    When that JobManager resumes
    Then for 2 minutes "my-session" stays without a new leader
    And no two JobManagers of "my-session" led at the same time
    And the JobManager of "my-session" has restarted 0 times
    And "my-session" created 2 TaskManager pods

  Scenario: A crashed standby is restarted and the leader goes on
    When a standby JobManager of "my-session" crashes
    Then within a minute the JobManager of "my-session" has restarted 1 time
    And for a minute "my-session" stays without a new leader
    And the leading JobManager of "my-session" is still the same
    And the leading JobManager of "my-session" sent at least 1 update configmaps request
    And the standby JobManagers of "my-session" sent no update configmaps requests
    And the standby JobManagers of "my-session" sent no create pods requests
    And the job "CarTopSpeedWindowingExample" is RUNNING
    And the job "CarTopSpeedWindowingExample" has restarted 0 times
    And no two JobManagers of "my-session" led at the same time
