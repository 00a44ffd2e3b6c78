@session @cli
Feature: kubernetes-session: deploy, attach, stop
  Flink's session CLI (`./bin/kubernetes-session.sh`, Flink docs "Native Kubernetes" →
  Session Mode; reference §1.7, §1.9, §1.12) deploys a session cluster, or attaches to
  the one named by kubernetes.cluster-id when its Service <cluster-id>-rest exists. It
  is detached by default; with -Dexecution.attached=true it reads commands from the
  terminal: `stop` kills the cluster (`echo 'stop' | ./bin/kubernetes-session.sh
  -Dkubernetes.cluster-id=<ClusterId> -Dexecution.attached=true`), `quit` leaves it
  running, `help` lists the commands. The client machine of these scenarios has a Flink
  distribution's conf dir (FLINK_CONF_DIR) and a kubeconfig for the simulated cluster.

  Background:
    Given a Kubernetes cluster with 3 nodes

  Scenario: A detached session CLI deploys the cluster and exits
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session`
    Then the command succeeds
    And the command output contains "Create flink session cluster my-session successfully, JobManager Web Interface: http://my-session-rest.default:8081"
    And the command output contains "only reachable from inside the Kubernetes cluster"
    And the deployment "my-session" exists
    And the service "my-session" is headless
    And the service "my-session-rest" has type "ClusterIP"
    And the shipped configuration of "my-session" has "execution.target" set to "kubernetes-session"
    And the shipped configuration of "my-session" has "jobmanager.rpc.address" set to "my-session.default"
    And the main container of "my-session" runs "kubernetes-jobmanager.sh kubernetes-session"
    And within a minute the JobManager pod of "my-session" is Running
    And within a minute the REST endpoint of "my-session" answers from inside the cluster

  Scenario: -D options reach the cluster's configuration, the conf dir's logging files are shipped
    Given the local file "/opt/flink/conf/log4j-console.properties" contains:
      """
      rootLogger.level = DEBUG
      """
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session -D taskmanager.numberOfTaskSlots=4 -Dkubernetes.jobmanager.cpu.amount=0.5`
    Then the command succeeds
    And the shipped configuration of "my-session" has "taskmanager.numberOfTaskSlots" set to "4"
    And the shipped configuration of "my-session" does not have "$internal.deployment.config-dir"
    And the configmap "flink-config-my-session" has the key "log4j-console.properties"
    And the container "flink-main-container" of the JobManager pod template of "my-session" requests "500m" of "cpu"

  Scenario: The configuration directory of a 1.x distribution: flink-conf.yaml
    Given the local file "/opt/flink-1.18/conf/flink-conf.yaml" contains:
      """
      jobmanager.memory.process.size: 1600m
      taskmanager.memory.process.size: 1728m
      taskmanager.numberOfTaskSlots: 6
      """
    And the environment variable "FLINK_CONF_DIR" is "/opt/flink-1.18/conf"
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session`
    Then the command succeeds
    And the shipped configuration of "my-session" has "taskmanager.numberOfTaskSlots" set to "6"

  Scenario: Without a cluster id the CLI makes one up
    Flink names the cluster flink-cluster-<31 hex digits> (reference §1.1).

    When I run `kubernetes-session`
    Then the command succeeds
    And the command output matches "Create flink session cluster flink-cluster-[0-9a-f]{31} successfully"

  Scenario: Running the session CLI again attaches to the running cluster
    Given a session cluster "my-session" is running
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session`
    Then the command succeeds
    And the command output contains "Retrieve flink cluster my-session successfully, JobManager Web Interface: http://my-session-rest.default:8081"
    And the deployment "my-session" was created once
    And within a minute the JobManager pod of "my-session" is Running

  Scenario: echo stop | kubernetes-session stops an attached cluster
    Given a session cluster "my-session" is running
    And the terminal input is:
      """
      help
      stop
      """
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session -Dexecution.attached=true`
    Then the command succeeds
    And the command output contains "Retrieve flink cluster my-session successfully"
    And the command output contains:
      """
      Available commands:
      help - show these commands
      stop - stop the kubernetes cluster
      quit - quit attach mode
      """
    And the command output contains "Stopped Flink session cluster my-session"
    And within a minute nothing labelled "app=my-session" remains

  Scenario: An attached session CLI waits for commands and stops the cluster on stop
    When I start `kubernetes-session -Dkubernetes.cluster-id=my-session -Dexecution.attached=true`
    Then within a minute the JobManager pod of "my-session" is Running
    And for 5 minutes the command keeps running
    When I type "status"
    Then for 10 seconds the command keeps running
    When I type "stop"
    Then within 10 seconds the command exits successfully
    And the command output contains "Unknown command 'status'. Showing help:"
    And the command output contains "Create flink session cluster my-session successfully"
    And within a minute nothing labelled "app=my-session" remains

  Scenario: quit leaves the attached cluster running
    Given the terminal input is:
      """
      quit
      """
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session -Dexecution.attached=true`
    Then the command succeeds
    And the command output contains "Leaving Flink session cluster my-session running."
    And within a minute the JobManager pod of "my-session" is Running
    And the deployment "my-session" exists

  Scenario: The end of the terminal input leaves the cluster running
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session -Dexecution.attached=true`
    Then the command succeeds
    And the command output contains "End of input: leaving Flink session cluster my-session running"
    And the deployment "my-session" exists

  Scenario: flink list and flink cancel talk to the session cluster's REST endpoint
    Flink docs "Native Kubernetes" → Session Mode: `./bin/flink list --target
    kubernetes-session -Dkubernetes.cluster-id=my-first-flink-cluster`.

    Given a session cluster "my-session" is running
    And within a minute the REST endpoint of "my-session" answers from inside the cluster
    When I run `flink list --target kubernetes-session -Dkubernetes.cluster-id=my-session`
    Then the command succeeds
    And the command output contains:
      """
      Waiting for response...
      No running jobs.
      No scheduled jobs.
      """
    When I run `flink cancel -t kubernetes-session -Dkubernetes.cluster-id=my-session fd72014d4c864993a2e5a9287b4a9c5d`
    Then the command fails with an error mentioning "could not cancel job fd72014d4c864993a2e5a9287b4a9c5d: the JobManager at http://my-session-rest.default:8081 does not know it"

  Scenario: flink list names a cluster that does not exist
    When I run `flink list -t kubernetes-session -Dkubernetes.cluster-id=nobody`
    Then the command fails with an error mentioning "cannot find Flink cluster"
    And the command output contains:
      """
      Service "nobody-rest" does not exist in namespace "default"
      """
