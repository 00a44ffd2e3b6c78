@api-faults @resourcemanager
Feature: An API server that is unavailable, throttles, answers slowly or loses responses
  What the JobManager does when the Kubernetes API server misbehaves (reference §4.1,
  §4.4, §4.5, §4.6, §4.8 and §5.3; docs: Deployment › High Availability › Kubernetes HA
  Services; the options kubernetes.transactional-operation.max-retries,
  resourcemanager.start-worker.max-failure-rate and
  high-availability.kubernetes.leader-election.renew-deadline).

  Without HA the JobManager needs the API server only to manage TaskManager pods. An
  outage drops its pod watch, which it creates again with exponential back-off
  (kubernetes.transactional-operation.initial-retry-delay 50 ms, doubling up to 1 min,
  max-retries 15); its pod creations fail, count as start failures and are retried.
  Its jobs keep running on the TaskManagers they have. Only an outage that outlasts the
  watch's retries is fatal: the JobManager process ends, its Deployment restarts it,
  and the new one takes the running TaskManager pods back. Throttling (429 with
  Retry-After, retried by the client) and slow answers that outlast the client's 10 s
  request timeout delay new TaskManagers until the API server answers again.

  With HA the leader renews its lock on the cluster ConfigMap every retry period; a
  leader that cannot renew for the renew deadline (15 s) revokes its leadership, its
  jobs are suspended, and once the API server answers again a JobManager leads and
  recovers them from their latest checkpoint. Two JobManagers never lead at once.

  API faults here strike the requests of the processes in pods (their service
  accounts) or, where a step names a cluster, the requests about that cluster's
  objects; Kubernetes' own controllers and kubelets go on.

  Background:
    Given a Kubernetes cluster with 3 nodes

  Scenario: Two minutes without the API server do not disturb the running job
    The pod watch is refused 12 times in the two minutes and comes back at the 13th
    try, 2 min 42 s after the outage began (back-off 50 ms · 2ⁿ).

    Given I deploy a session cluster "my-session" with the options:
      | restart-strategy.type                 | fixed-delay |
      | restart-strategy.fixed-delay.attempts | 10          |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 2
    And within 2 minutes all 4 tasks of the job "CarTopSpeedWindowingExample" are running
    When the API server is unavailable for 2 minutes
    Then for 10 minutes the TaskManager pods of "my-session" remain
    And the job "CarTopSpeedWindowingExample" is RUNNING
    And the job "CarTopSpeedWindowingExample" has restarted 0 times
    And the JobManager of "my-session" has restarted 0 times
    And the log of the JobManager of "my-session" contains "could not watch the TaskManager pods; retrying"
    And the resource manager of "my-session" watched the TaskManager pods again 13 times
    When the TaskManager pod "my-session-taskmanager-1-1" crashes
    Then within a minute the TaskManager pods of "my-session" are "my-session-taskmanager-1-2, my-session-taskmanager-1-3"
    And within 2 minutes all 4 tasks of the job "CarTopSpeedWindowingExample" are running

  Scenario: A TaskManager lost while the API server is unavailable is replaced once it is back
    The JobManager's pod watch is down, so it learns of the crash by heartbeat
    (heartbeat.timeout 50 s). Each creation of the replacement is refused at once and
    counts as a start failure: after ten within a minute
    (resourcemanager.start-worker.max-failure-rate) the next is tried only after
    resourcemanager.start-worker.retry-interval (3 s). The pod created once the API
    server is back is a worker only when the watch, created again, has shown it
    scheduled (§4.4); until then its TaskManager is refused as unknown (§4.6).

    Given I deploy a session cluster "my-session" with the options:
      | restart-strategy.type                 | fixed-delay |
      | restart-strategy.fixed-delay.attempts | 10          |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 2
    And within 2 minutes all 4 tasks of the job "CarTopSpeedWindowingExample" are running
    When the API server is unavailable for 3 minutes
    And the TaskManager pod "my-session-taskmanager-1-1" crashes
    Then within 2 minutes the log of the JobManager of "my-session" contains "could not create TaskManager pod"
    And for 2 minutes "my-session" keeps 1 Running TaskManager pod
    And within 2 minutes "my-session" has 2 Running TaskManager pods
    And within 2 minutes all 4 tasks of the job "CarTopSpeedWindowingExample" are running
    And within a minute "my-session" has exactly 2 TaskManager pods
    And "my-session" attempted at most 31 TaskManager pod creations in any minute
    And the JobManager of "my-session" has restarted 0 times

  Scenario: An outage that outlasts the pod watch's retries restarts the JobManager, which takes its TaskManagers back
    With kubernetes.transactional-operation.max-retries at 3 the watch gives up after
    350 ms of back-off; the restarted JobManager fails the same way until the API
    server is back (CrashLoopBackOff), then recovers the running TaskManager pod as a
    worker of the previous attempt.

    Given I deploy a session cluster "my-session" with the options:
      | kubernetes.transactional-operation.max-retries | 3 |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    When the API server is unavailable for 1 minute
    Then within 10 seconds the JobManager of "my-session" has restarted 1 time
    And within 3 minutes the log of the JobManager of "my-session" contains "recovered=1 attempt=2"
    And within 2 minutes 1 TaskManager is registered with "my-session"
    And the TaskManager pods of "my-session" are "my-session-taskmanager-1-1"

  Scenario: Throttled pod creations delay TaskManagers but they come
    Each creation is answered 429 Too Many Requests with Retry-After 1 s, which the
    client retries until the 10 s request timeout; the failed request counts as a start
    failure and is requested again. Eleven creations fail in the minute; once the
    failures reach resourcemanager.start-worker.max-failure-rate (10 a minute), a new
    pod is requested only after each cool-down (resourcemanager.start-worker.retry-interval,
    3 s), so the two pods created when the throttling ends come 3 s apart.

    Given I deploy a session cluster "my-session"
    And within a minute the REST endpoint of "my-session" answers from inside the cluster
    And the API server answers create pods of "my-session" with 429 for 1 minute
    When I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 2
    Then for 50 seconds no TaskManager pod of "my-session" exists
    And within a minute all 4 tasks of the job "CarTopSpeedWindowingExample" are running
    And the TaskManager pods of "my-session" are "my-session-taskmanager-1-12, my-session-taskmanager-1-13"

  Scenario: Pod creations slower than the client's request timeout are not served, and TaskManagers come once they are fast again
    The client gives each creation up after its 10 s request timeout (the API server
    never serves it); it counts as a start failure and is requested again: twelve
    times in the two minutes.

    Given I deploy a session cluster "my-session"
    And within a minute the REST endpoint of "my-session" answers from inside the cluster
    And create pods of "my-session" take 15 seconds at the API server for 2 minutes
    When I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    Then within a minute the log of the JobManager of "my-session" contains "could not create TaskManager pod"
    And for a minute no TaskManager pod of "my-session" exists
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And the TaskManager pods of "my-session" are "my-session-taskmanager-1-13"

  Scenario: A pod whose creation response was lost is not used, and goes when its TaskManager gives up
    The API server stores the pod but answers 504, so the resource manager counts a
    start failure and requests another pod. The stored pod's TaskManager is refused
    as unknown (reference §4.6) until taskmanager.registration.timeout ends it; the
    resource manager then deletes the terminated pod (§4.5).

    Given I deploy a session cluster "my-session" with the options:
      | taskmanager.registration.timeout | 2 min |
    And within a minute the REST endpoint of "my-session" answers from inside the cluster
    And the API server commits create pods of "my-session" but loses the response the next time
    When I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    Then within a minute all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And the TaskManager pods of "my-session" are "my-session-taskmanager-1-1, my-session-taskmanager-1-2"
    And within 3 minutes the TaskManager pods of "my-session" are "my-session-taskmanager-1-2"
    And the job "CarTopSpeedWindowingExample" has restarted 0 times

  @ha
  Scenario: Without the API server the leader revokes its leadership at the renew deadline; a JobManager leads again once it is back
    Given I deploy an HA session cluster "my-session" with 2 JobManagers and the options:
      | execution.checkpointing.interval | 10 s |
    And within 2 minutes a JobManager of "my-session" leads
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within 2 minutes the job "CarTopSpeedWindowingExample" has completed at least 1 checkpoint
    When the API server is unavailable for 1 minute
    Then within 15 seconds the log of the leading JobManager of "my-session" contains "ends: leadership was revoked"
    When 1 minute passes
    Then within a minute a JobManager of "my-session" leads
    And within 2 minutes the job "CarTopSpeedWindowingExample" runs from a restored checkpoint
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And within 2 minutes "my-session" has exactly 1 TaskManager pod
    And no two JobManagers of "my-session" led at the same time
    And the JobManager of "my-session" has restarted 0 times

  @ha
  Scenario: A leader cut off from the API server loses its leadership within the renew deadline and a standby takes over
    Given I deploy an HA session cluster "my-session" with 2 JobManagers and the options:
      | execution.checkpointing.interval | 10 s |
    And within 2 minutes a JobManager of "my-session" leads
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within 2 minutes the job "CarTopSpeedWindowingExample" has completed at least 1 checkpoint
    When the leading JobManager of "my-session" is cut off from the API server
    Then within 15 seconds the log of the leading JobManager of "my-session" contains "ends: leadership was revoked"
    And within 30 seconds a standby JobManager of "my-session" takes over
    And within 2 minutes the job "CarTopSpeedWindowingExample" runs from a restored checkpoint
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And no two JobManagers of "my-session" led at the same time
    When that JobManager reaches the API server again
    Then for a minute "my-session" stays without a new leader
    And the JobManager of "my-session" has restarted 0 times
