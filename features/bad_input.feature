@bad-input @cli
Feature: Bad input gets a clear error and leaves nothing behind
  Reference §1.1 (cluster id: not blank, at most 45 characters — and, earlier than
  Flink, a valid DNS-1035 label, which the API server would demand of the Service
  <cluster-id> anyway), §1.2 (ports must be single fixed ports), §1.7 (a configured
  but missing pod template file aborts the deployment; a failed deployment is cleaned
  up), §2.1 (replicas > 1 need HA; limit factors ≥ 1), §6.1 (the client derives the
  TaskManager process specification before deploying) and Flink docs "Native
  Kubernetes" → Pod Template. Every refusal names what was wrong and what to do, and
  no object of the cluster is left in Kubernetes.

  Background:
    Given a Kubernetes cluster with 3 nodes
    And the local file "/home/flink/broken-template.yaml" contains:
      """
      apiVersion: v1
      kind: Pod
      spec:
        containers: [ {name: flink-main-container
      """

  Scenario Outline: kubernetes-session refuses <what>
    When I run `kubernetes-session <options>`
    Then the command fails with an error mentioning "<error>"
    And no object labelled "type=flink-native-kubernetes" exists

    Examples:
      | what                             | options                                                                                            | error                                                          |
      | a blank cluster id               | -Dkubernetes.cluster-id=                                                                           | kubernetes.cluster-id must not be blank                        |
      | a cluster id of 46 characters    | -Dkubernetes.cluster-id=a-cluster-id-that-is-much-too-long-for-flink-x | must not be longer than 45 characters                          |
      | an upper-case cluster id         | -Dkubernetes.cluster-id=My_Cluster                                                                 | is not a valid DNS-1035 label                                  |
      | a cluster id starting with digit | -Dkubernetes.cluster-id=1st-cluster                                                                | is not a valid DNS-1035 label                                  |
      | a blank namespace                | -Dkubernetes.cluster-id=my-session -Dkubernetes.namespace=                                         | kubernetes.namespace must not be blank                         |
      | a missing pod template file      | -Dkubernetes.cluster-id=my-session -Dkubernetes.pod-template-file.default=/home/flink/missing.yaml | /home/flink/missing.yaml                                       |
      | a malformed pod template         | -Dkubernetes.cluster-id=my-session -Dkubernetes.pod-template-file.jobmanager=/home/flink/broken-template.yaml | /home/flink/broken-template.yaml                |
      | a blob server port range         | -Dkubernetes.cluster-id=my-session -Dblob.server.port=50100-50200                                  | blob.server.port                                               |
      | a TaskManager RPC port range     | -Dkubernetes.cluster-id=my-session -Dtaskmanager.rpc.port=6122-6130                                | taskmanager.rpc.port                                           |
      | a REST bind port range           | -Dkubernetes.cluster-id=my-session -Drest.bind-port=8081-8089                                      | rest.bind-port                                                 |
      | standby JobManagers without HA   | -Dkubernetes.cluster-id=my-session -Dkubernetes.jobmanager.replicas=2                              | high-availability.type                                         |
      | zero JobManagers                 | -Dkubernetes.cluster-id=my-session -Dkubernetes.jobmanager.replicas=0                              | kubernetes.jobmanager.replicas must be at least 1              |
      | a memory limit factor below 1    | -Dkubernetes.cluster-id=my-session -Dkubernetes.jobmanager.memory.limit-factor=0.5                 | kubernetes.jobmanager.memory.limit-factor                      |
      | an unknown pull policy           | -Dkubernetes.cluster-id=my-session -Dkubernetes.container.image.pull-policy=Sometimes              | kubernetes.container.image.pull-policy                         |
      | a malformed secretKeyRef         | -Dkubernetes.cluster-id=my-session -Dkubernetes.env.secretKeyRef=env:DB_USER                       | kubernetes.env.secretKeyRef                                    |
      | a JobManager memory of "lots"    | -Dkubernetes.cluster-id=my-session -Djobmanager.memory.process.size=lots                           | jobmanager.memory.process.size                                 |
      | a JobManager cpu of 0            | -Dkubernetes.cluster-id=my-session -Dkubernetes.jobmanager.cpu.amount=0                            | kubernetes.jobmanager.cpu.amount must be a positive number     |
      | a REST port of 0                 | -Dkubernetes.cluster-id=my-session -Drest.port=0 -Drest.bind-port=8081                             | rest.port must be a fixed port between 1 and 65535             |
      | a TaskManager memory too small   | -Dkubernetes.cluster-id=my-session -Dtaskmanager.memory.process.size=100m                          | TaskManager memory too small                                   |
      | a TaskManager limit factor below 1 | -Dkubernetes.cluster-id=my-session -Dkubernetes.taskmanager.cpu.limit-factor=0.5                 | kubernetes.taskmanager.cpu.limit-factor                        |
      | a -D without a value             | -Dkubernetes.cluster-id                                                                            | missing '='                                                    |
      | a positional argument            | my-session                                                                                         | unexpected argument                                            |
      | an unknown option                | --cluster-id my-session                                                                            | Unrecognized option: --cluster-id                              |

  Scenario Outline: flink run -t kubernetes-application refuses <what>
    When I run `flink run -t kubernetes-application <options>`
    Then the command fails with an error mentioning "<error>"
    And no object labelled "type=flink-native-kubernetes" exists

    Examples:
      | what                             | options                                                                                                 | error                                             |
      | a missing job jar                | -Dkubernetes.cluster-id=my-app                                                                          | Java program should be specified a JAR file       |
      | a long cluster id                | -Dkubernetes.cluster-id=an-application-id-that-is-far-too-long-for-itx local:///job.jar | must not be longer than 45 characters             |
      | a missing pod template file      | -Dkubernetes.cluster-id=my-app -Dkubernetes.pod-template-file.taskmanager=/home/flink/tm.yaml local:///job.jar | /home/flink/tm.yaml                        |
      | a parallelism of zero            | -Dkubernetes.cluster-id=my-app -p 0 local:///job.jar                                                    | The parallelism must be a positive number         |
      | a cpu limit factor below 1       | -Dkubernetes.cluster-id=my-app -Dkubernetes.jobmanager.cpu.limit-factor=0.9 local:///job.jar            | kubernetes.jobmanager.cpu.limit-factor            |

  Scenario: A malformed config.yaml in the configuration directory
    Given the local file "/opt/flink/conf/config.yaml" contains:
      """
      jobmanager.memory.process.size: 1600m
      kubernetes: [unclosed
      """
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session`
    Then the command fails with an error mentioning "/opt/flink/conf/config.yaml"
    And no object labelled "type=flink-native-kubernetes" exists

  Scenario: No configuration directory
    Given the environment variable "FLINK_CONF_DIR" is not set
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session`
    Then the command fails with an error mentioning "the configuration directory was not specified"
    And no object labelled "type=flink-native-kubernetes" exists

  Scenario: --conf-dir names a directory without a Flink configuration
    When I run `kubernetes-session --conf-dir /home/flink -Dkubernetes.cluster-id=my-session`
    Then the command fails with an error mentioning "the Flink configuration directory /home/flink has neither config.yaml nor flink-conf.yaml"
    And no object labelled "type=flink-native-kubernetes" exists
