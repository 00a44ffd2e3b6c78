@session @cli @rest
Feature: The REST endpoint per kubernetes.rest-service.exposed.type
  Flink docs "Native Kubernetes" → Accessing Flink's Web UI, and reference §1.3 (the
  REST Service <cluster-id>-rest) and §1.8 (what the deployer reports): ClusterIP and
  Headless_ClusterIP report <cluster-id>-rest.<namespace> and the service port;
  NodePort reports a schedulable node's address (of
  kubernetes.rest-service.exposed.node-port-address-type) and the node port;
  LoadBalancer reports the first ingress IP or hostname and the service port, and —
  while the Service has no ingress — falls back to a node address, still with the
  service port.

  The simulated cluster has no load-balancer provider yet: a LoadBalancer Service
  never gets an ingress, so these scenarios see Flink's fallback. Node addresses are
  not routed by the simulated network, so NodePort and LoadBalancer endpoints are
  checked as reported, not called.

  Background:
    Given a Kubernetes cluster with 3 nodes

  Scenario Outline: The CLI reports the endpoint of a <type> REST Service
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session -Dkubernetes.rest-service.exposed.type=<type>`
    Then the command succeeds
    And the service "my-session-rest" has type "<service type>"
    And the command output matches "JobManager Web Interface: <reported>\n"
    And within a minute the JobManager pod of "my-session" is Running

    Examples:
      | type               | service type | reported                                        |
      | ClusterIP          | ClusterIP    | http://my-session-rest\.default:8081            |
      | Headless_ClusterIP | ClusterIP    | http://my-session-rest\.default:8081            |
      | NodePort           | NodePort     | http://192\.168\.0\.1[0-2]:3[0-2][0-9]{3}       |
      | LoadBalancer       | LoadBalancer | http://192\.168\.0\.1[0-2]:8081                 |

  Scenario: A headless REST Service has no cluster IP
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session -Dkubernetes.rest-service.exposed.type=Headless_ClusterIP`
    Then the command succeeds
    And the service "my-session-rest" is headless

  Scenario: rest.port is the Service port, the REST endpoint answers on it
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session -Drest.port=9091`
    Then the command succeeds
    And the command output contains "JobManager Web Interface: http://my-session-rest.default:9091"
    And within a minute the REST endpoint of "my-session" answers from inside the cluster

  Scenario: Without a node address of the wanted type there is no endpoint, and the cluster stays
    Flink does not clean up a cluster whose endpoint cannot be reported (reference §1.7,
    step 5). The simulated nodes have InternalIP addresses only.

    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session -Dkubernetes.rest-service.exposed.type=NodePort -Dkubernetes.rest-service.exposed.node-port-address-type=ExternalIP`
    Then the command fails with an error mentioning "no schedulable node has an address of type ExternalIP"
    And the command output contains "it keeps running"
    And the service "my-session-rest" has type "NodePort"
    And within a minute the JobManager pod of "my-session" is Running

  Scenario: Unknown exposed types are refused before anything is created
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session -Dkubernetes.rest-service.exposed.type=Ingress`
    Then the command fails with an error mentioning "kubernetes.rest-service.exposed.type"
    And no object labelled "app=my-session" exists
