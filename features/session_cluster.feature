@session @deployer
Feature: Session cluster on native Kubernetes
  Flink's native Kubernetes session mode (`./bin/kubernetes-session.sh
  -Dkubernetes.cluster-id=<id>`, Flink docs "Native Kubernetes" → Session Mode)
  creates a JobManager Deployment named after the cluster id, an internal headless
  Service and a REST Service, and the ConfigMap flink-config-<id> holding config.yaml.
  Every object but the Deployment is owned by the Deployment, so
  `kubectl delete deployment/<id>` removes the whole cluster (docs: "Manual Resource
  Cleanup"; reference §1.3, §1.9, §7.10).

  Background:
    Given a Kubernetes cluster with 3 nodes

  @envtest
  Scenario: Starting a session cluster creates the objects Flink creates
    When I deploy a session cluster "my-session"
    Then the deployment "my-session" has the labels:
      | type      | flink-native-kubernetes |
      | app       | my-session              |
      | component | jobmanager              |
    And the service "my-session" has the labels:
      | type | flink-native-kubernetes |
      | app  | my-session              |
    And the service "my-session" is headless
    And the service "my-session-rest" has type "ClusterIP"
    And the service "my-session-rest" has the labels:
      | type | flink-native-kubernetes |
      | app  | my-session              |
    And the configmap "flink-config-my-session" has the key "config.yaml"
    And the configmap "flink-config-my-session" has the labels:
      | type | flink-native-kubernetes |
      | app  | my-session              |
    And the service "my-session" is owned by the deployment "my-session"
    And the service "my-session-rest" is owned by the deployment "my-session"
    And the configmap "flink-config-my-session" is owned by the deployment "my-session"
    And within a minute the JobManager pod of "my-session" is Running
    And within a minute the REST endpoint of "my-session" answers from inside the cluster

  @envtest
  Scenario: Deleting the JobManager Deployment removes the whole cluster
    Given a session cluster "my-session" is running
    When I delete the deployment "my-session"
    Then within a minute nothing labelled "app=my-session" remains

  @mutation
  Scenario: Without the garbage collector the cluster's objects stay behind
    This is the check that the cleanup above is the garbage collector's work.

    Given a session cluster "my-session" is running
    And the garbage collector is disabled
    When I delete the deployment "my-session"
    Then for 2 minutes objects labelled "app=my-session" remain

  Scenario: Options written as a config.yaml reach the shipped configuration
    When I deploy a session cluster "my-session" with the configuration:
      """
      taskmanager:
        numberOfTaskSlots: 4
      kubernetes.jobmanager.cpu.amount: 0.5
      """
    Then the shipped configuration of "my-session" has "taskmanager.numberOfTaskSlots" set to "4"
    And the shipped configuration of "my-session" has "kubernetes.jobmanager.cpu.amount" set to "0.5"
    And within a minute the JobManager pod of "my-session" is Running
