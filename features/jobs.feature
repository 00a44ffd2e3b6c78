@jobs
Feature: Jobs on a native Kubernetes cluster
  Flink docs: Native Kubernetes → Session Mode and Application Mode (→ Using plugins,
  → Logging), REST API, Checkpointing, Task Failure Recovery and Configuration →
  Fault Tolerance. Jobs arrive as Flink's REST API takes them (POST /jars/upload, POST
  /jars/<id>/run) or, in application mode, from pipeline.jars; the JobManager asks the
  resource manager for their slots, deploys their tasks to TaskManagers, checkpoints
  streaming jobs every execution.checkpointing.interval while all tasks run, and
  restarts failed jobs as restart-strategy.type says — fixed-delay, failure-rate,
  exponential-delay (the default with checkpointing) or none (the default without) —
  with Flink's keys and defaults. The examples are the jars the apache/flink image
  ships under /opt/flink/examples; other jobs are simulated ones with scripted
  failures.

  Scenario: A batch job finishes and its result is SUCCEEDED
    Given a Kubernetes cluster with 3 nodes
    And a session cluster "my-session" is running
    When I submit the example "batch/WordCount.jar" to "my-session" with parallelism 2
    Then within 2 minutes the job "WordCount Example" is FINISHED
    And the result of the job "WordCount Example" is SUCCEEDED

  Scenario: A streaming job completes checkpoints while all its tasks run
    StateMachineExample enables checkpointing every 2 seconds itself.

    Given a Kubernetes cluster with 3 nodes
    And a session cluster "my-session" is running
    When I submit the example "streaming/StateMachineExample.jar" to "my-session" with parallelism 2
    Then within 2 minutes all 4 tasks of the job "State machine job" are running
    And within 30 seconds the job "State machine job" has completed at least 10 checkpoints

  Scenario: A cancelled job ends CANCELED and its TaskManagers go idle
    Given a Kubernetes cluster with 3 nodes
    And a session cluster "my-session" is running
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    When I cancel the job "CarTopSpeedWindowingExample"
    Then within a minute the job "CarTopSpeedWindowingExample" is CANCELED
    And the result of the job "CarTopSpeedWindowingExample" is CANCELED
    And within 2 minutes no TaskManager pod of "my-session" remains

  Scenario: Without checkpointing and without a restart strategy the first failure fails the job
    Given a Kubernetes cluster with 3 nodes
    And a session cluster "my-session" is running
    When I submit the job "Flaky" to "my-session":
      | parallelism | 2                          |
      | fails       | subtask 1 after 10 seconds |
    Then within 2 minutes the job "Flaky" is FAILED
    And the job "Flaky" has restarted 0 times
    And the result of the job "Flaky" is FAILED
    And the latest failure of the job "Flaky" mentions "scripted failure"

  Scenario: fixed-delay restarts the job the configured number of times, then fails it
    Given a Kubernetes cluster with 3 nodes
    And a session cluster "my-session" is running
    When I submit the job "Flaky" to "my-session":
      | parallelism                           | 1                          |
      | fails                                 | subtask 0 after 10 seconds |
      | restart-strategy.type                 | fixed-delay                |
      | restart-strategy.fixed-delay.attempts | 2                          |
      | restart-strategy.fixed-delay.delay    | 5 s                        |
    Then within 2 minutes the job "Flaky" is FAILED
    And the job "Flaky" has restarted 2 times
    And the restarts of the job "Flaky" came 15 seconds or more apart

  Scenario: A job whose task fails once recovers from its latest checkpoint
    Given a Kubernetes cluster with 3 nodes
    And a session cluster "my-session" is running
    When I submit the job "Recovers" to "my-session":
      | parallelism         | 2                                                |
      | checkpoint interval | 5 seconds                                        |
      | fails               | subtask 0 after 20 seconds in the first 1 attempt |
    Then within 2 minutes the job "Recovers" has completed at least 3 checkpoints
    And within 2 minutes all 2 tasks of the job "Recovers" are running
    And within a minute the log of the JobManager of "my-session" contains "Restoring job"
    And the job "Recovers" has restarted 1 time

  Scenario: failure-rate fails the job once failures come faster than allowed
    Given a Kubernetes cluster with 3 nodes
    And a session cluster "my-session" is running
    When I submit the job "Flaky" to "my-session":
      | parallelism                                             | 1                          |
      | fails                                                   | subtask 0 after 10 seconds |
      | restart-strategy.type                                   | failure-rate               |
      | restart-strategy.failure-rate.max-failures-per-interval | 2                          |
      | restart-strategy.failure-rate.failure-rate-interval     | 1 min                      |
    Then within 2 minutes the job "Flaky" is FAILED
    And the job "Flaky" has restarted 2 times

  Scenario: exponential-delay waits longer after each failure
    Given a Kubernetes cluster with 3 nodes
    And a session cluster "my-session" is running
    When I submit the job "Flaky" to "my-session":
      | parallelism                                          | 1                          |
      | fails                                                | subtask 0 after 1 second   |
      | restart-strategy.type                                | exponential-delay          |
      | restart-strategy.exponential-delay.initial-backoff   | 10 s                       |
      | restart-strategy.exponential-delay.backoff-multiplier | 2.0                       |
      | restart-strategy.exponential-delay.jitter-factor     | 0.0                        |
    And 2 minutes pass
    Then the job "Flaky" has restarted 3 times
    And the restarts of the job "Flaky" came 11 seconds or more apart

  Scenario: An application cluster runs the job of pipeline.jars and removes itself when it finished
    Given a Kubernetes cluster with 3 nodes
    When I deploy an application cluster "my-app" running "local:///opt/flink/examples/batch/WordCount.jar"
    Then within 2 minutes the REST endpoint of "my-app" lists the job "WordCount Example"
    And within 2 minutes nothing labelled "app=my-app" remains

  Scenario: With execution.shutdown-on-application-finish off the application cluster stays
    Given a Kubernetes cluster with 3 nodes
    When I deploy an application cluster "my-app" running "local:///opt/flink/examples/batch/WordCount.jar" with the options:
      | execution.shutdown-on-application-finish | false |
    Then within 2 minutes the REST endpoint of "my-app" lists the job "WordCount Example"
    And within 2 minutes the job "WordCount Example" is FINISHED
    And for 2 minutes objects labelled "app=my-app" remain

  Scenario: An application cluster's JobManager creates the TaskManagers its job needs, written as a config.yaml
    Given a Kubernetes cluster with 3 nodes
    When I deploy an application cluster "my-app" running "local:///opt/flink/examples/batch/WordCount.jar" with the configuration:
      """
      parallelism.default: 4
      taskmanager:
        numberOfTaskSlots: 2
      execution.shutdown-on-application-finish: false
      """
    Then within 2 minutes the REST endpoint of "my-app" lists the job "WordCount Example"
    And within 2 minutes the job "WordCount Example" is FINISHED
    And "my-app" created 2 TaskManager pods
    And the JobManager of "my-app" sent 2 create pods requests
    And the TaskManagers of "my-app" sent no create pods requests

  Scenario: An s3:// job jar needs the S3 file system plugin
    Given a Kubernetes cluster with 3 nodes
    And the object store has the example "streaming/TopSpeedWindowing.jar" at "s3://flink-jobs/top-speed.jar"
    When I deploy an application cluster "my-app" running "s3://flink-jobs/top-speed.jar"
    Then within a minute the log of the JobManager of "my-app" contains "Could not find a file system implementation for scheme 's3'"
    And within a minute the log of the JobManager of "my-app" contains "flink-s3-fs-hadoop, flink-s3-fs-presto"

  Scenario: ENABLE_BUILT_IN_PLUGINS enables the S3 plugin and the application runs
    Given a Kubernetes cluster with 3 nodes
    And the object store has the example "streaming/TopSpeedWindowing.jar" at "s3://flink-jobs/top-speed.jar"
    When I deploy an application cluster "my-app" running "s3://flink-jobs/top-speed.jar" with the options:
      | containerized.master.env.ENABLE_BUILT_IN_PLUGINS      | flink-s3-fs-hadoop-2.0-SNAPSHOT.jar |
      | containerized.taskmanager.env.ENABLE_BUILT_IN_PLUGINS | flink-s3-fs-hadoop-2.0-SNAPSHOT.jar |
    Then within 2 minutes the REST endpoint of "my-app" lists the job "CarTopSpeedWindowingExample"
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And the log of the JobManager of "my-app" contains "Fetched the artifact s3://flink-jobs/top-speed.jar to /opt/flink/artifacts/default/my-app/top-speed.jar"

  Scenario: The log level follows the mounted log4j-console.properties, also when it changes
    Given a Kubernetes cluster with 3 nodes
    And the local file "/opt/flink/conf/log4j-console.properties" contains:
      """
      monitorInterval=30
      rootLogger.level = WARN
      rootLogger.appenderRef.console.ref = ConsoleAppender
      """
    And a session cluster "my-session" is running
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And the log of the TaskManager pod "my-session-taskmanager-1-1" does not contain " INFO "
    When I change the root log level of "my-session" to DEBUG in its configmap
    Then within 3 minutes the log of the TaskManager pod "my-session-taskmanager-1-1" contains " DEBUG "
