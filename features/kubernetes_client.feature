@cli @client
Feature: Which Kubernetes cluster the CLIs talk to, and what its API server says
  Reference §1.10 and §7.1–§7.3, Flink docs "Native Kubernetes" → Preparation and
  RBAC: the client reads the kubeconfig of kubernetes.config.file (or the CLIs'
  --kubeconfig, the KUBECONFIG variable, ~/.kube/config), uses the context of
  kubernetes.context (default: the current context) and puts every object into
  kubernetes.namespace, whatever namespace the kubeconfig's context names. What the
  API server refuses — RBAC, a namespace that does not exist — and a server that
  cannot be reached are reported in plain words with the fix, and nothing is left
  behind.

  The kubeconfigs below name the simulated cluster by default; its API server takes a
  user's name as the user's token. Any other server address is not the simulated
  cluster, and nothing listens there.

  Background:
    Given a kubeconfig "/home/flink/.kube/config" with the contexts:
      | context | user  | server                    |
      | prod    | admin | https://10.0.0.99:6443    |
      | sim     | admin |                           |
      | gone    | admin | https://api.gone.example  |

  Scenario: kubernetes.context picks the cluster
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session -Dkubernetes.context=sim`
    Then the command succeeds
    And within a minute the JobManager pod of "my-session" is Running

  Scenario: An API server that refuses connections
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session`
    Then the command fails with an error mentioning "cannot reach the Kubernetes API server https://10.0.0.99:6443 (from kubeconfig /home/flink/.kube/config, context "
    And the command output contains "the connection was refused; check that the cluster is running and that the kubeconfig is the right one (kubectl cluster-info --context prod)"
    And no object labelled "type=flink-native-kubernetes" exists

  Scenario: An API server whose host name does not resolve
    When I run `flink run -t kubernetes-application -Dkubernetes.cluster-id=my-app -Dkubernetes.context=gone local:///opt/flink/usrlib/my-job.jar`
    Then the command fails with an error mentioning "the host name"
    And the command output contains "api.gone.example"
    And the command output contains "does not resolve"

  Scenario: --kubeconfig, kubernetes.config.file and KUBECONFIG name the kubeconfig
    Given a kubeconfig "/etc/flink/kubeconfig" with the contexts:
      | context | user  |
      | sim     | admin |
    And a kubeconfig "/home/flink/other-kubeconfig" with the contexts:
      | context | user  |
      | sim     | admin |
    When I run `kubernetes-session --kubeconfig /etc/flink/kubeconfig -Dkubernetes.cluster-id=one`
    Then the command succeeds
    When I run `kubernetes-session -Dkubernetes.config.file=/etc/flink/kubeconfig -Dkubernetes.cluster-id=two`
    Then the command succeeds
    And the shipped configuration of "two" does not have "kubernetes.config.file"
    Given the environment variable "KUBECONFIG" is "/home/flink/missing:/home/flink/other-kubeconfig"
    When I run `kubernetes-session -Dkubernetes.cluster-id=three`
    Then the command succeeds
    And the deployment "three" exists

  Scenario: A kubeconfig that does not exist
    When I run `kubernetes-session --kubeconfig /etc/flink/nope -Dkubernetes.cluster-id=my-session`
    Then the command fails with an error mentioning "the kubeconfig "
    And the command output contains "(--kubeconfig) cannot be read"
    And no object labelled "type=flink-native-kubernetes" exists

  Scenario: No kubeconfig at all
    Given the environment variable "HOME" is "/home/nobody"
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session`
    Then the command fails with an error mentioning "no Kubernetes cluster to talk to: no kubeconfig found (looked at /home/nobody/.kube/config) and not running in a pod"

  Scenario: A context that is not in the kubeconfig
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session -Dkubernetes.context=staging`
    Then the command fails with an error mentioning "is not a context of the kubeconfig /home/flink/.kube/config; its contexts are: gone, prod, sim"

  Scenario: Objects go to kubernetes.namespace, not to the context's namespace
    Given the namespace "analytics" exists
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session -Dkubernetes.context=sim -Dkubernetes.namespace=analytics`
    Then the command succeeds
    And the command output contains "JobManager Web Interface: http://my-session-rest.analytics:8081"
    And the deployment "my-session" exists in the namespace "analytics"
    And the deployment "my-session" does not exist

  Scenario: A namespace that does not exist
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session -Dkubernetes.context=sim -Dkubernetes.namespace=analytics`
    Then the command fails with an error mentioning "does not exist; create it (kubectl create namespace analytics) or set kubernetes.namespace to an existing one"
    And no object labelled "type=flink-native-kubernetes" exists

  @rbac
  Scenario: A user without rights is told which rights are missing
    Given the Kubernetes cluster enforces RBAC
    And a kubeconfig "/home/alice/.kube/config" with the contexts:
      | context | user  |
      | sim     | alice |
    And the environment variable "HOME" is "/home/alice"
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session`
    Then the command fails with an error mentioning "the Kubernetes API server does not allow the client to get Service"
    And the command output contains:
      """
      bind the built-in "edit" ClusterRole to it in that namespace
      """
    And no object labelled "type=flink-native-kubernetes" exists
    Given the user "alice" may edit the namespace "default"
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session`
    Then the command succeeds
    And within a minute the JobManager pod of "my-session" is Running
