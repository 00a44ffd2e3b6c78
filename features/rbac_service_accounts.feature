@rbac @resourcemanager
Feature: RBAC and service accounts
  Flink docs "Native Kubernetes" → RBAC (reference §7.2): the JobManager pod runs as
  kubernetes.jobmanager.service-account (falling back to kubernetes.service-account,
  default "default") and creates, watches and deletes the TaskManager pods as that
  account; TaskManager pods run as kubernetes.taskmanager.service-account (same
  fallback). On a cluster that enforces RBAC the account needs those rights; the
  docs suggest binding the built-in "edit" ClusterRole to it.

  Background:
    Given a Kubernetes cluster with 3 nodes that enforces RBAC

  Scenario: A service account bound to "edit" runs the whole cluster
    Given the service account "flink" exists
    And the service account "flink" may edit the namespace "default"
    When I deploy a session cluster "my-session" with the options:
      | kubernetes.service-account | flink |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    Then within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And the JobManager pods of "my-session" run as the service account "flink"
    And the TaskManager pods of "my-session" run as the service account "flink"

  Scenario: JobManager and TaskManagers with service accounts of their own
    Given the service account "flink-jm" exists
    And the service account "flink-jm" may edit the namespace "default"
    And the service account "flink-tm" exists
    When I deploy a session cluster "my-session" with the options:
      | kubernetes.jobmanager.service-account  | flink-jm |
      | kubernetes.taskmanager.service-account | flink-tm |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    Then within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And the JobManager pods of "my-session" run as the service account "flink-jm"
    And the TaskManager pods of "my-session" run as the service account "flink-tm"

  Scenario: A role that lacks "create" on pods leaves the job without TaskManagers and says why
    Given the service account "flink" exists
    And the service account "flink" has the role "flink-no-create":
      | resources   | verbs                    |
      | pods        | get, list, watch, delete |
      | deployments | get                      |
    When I deploy a session cluster "my-session" with the options:
      | kubernetes.service-account | flink |
      | slot.request.timeout       | 1 h   |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    Then within 2 minutes the log of the JobManager of "my-session" contains "cannot create resource"
    And for 30 minutes no TaskManager pod of "my-session" exists
    And the JobManager of "my-session" has restarted 0 times

  Scenario: In host-network mode the JobManager's account must be allowed to update Services
    The resource manager points the Services at the ports its JobManager's listeners took
    (kubernetes.hostnetwork.enabled); a role without "update" on Services fails it, and
    the JobManager restarts.

    Given the service account "flink" exists
    And the service account "flink" has the role "flink-no-service-update":
      | resources   | verbs                            |
      | pods        | get, list, watch, create, delete |
      | deployments | get                              |
      | services    | get                              |
    When I deploy a session cluster "my-session" with the options:
      | kubernetes.service-account     | flink |
      | kubernetes.hostnetwork.enabled | true  |
    Then within a minute the log of the JobManager of "my-session" contains "cannot update resource"
    And within 5 minutes the JobManager of "my-session" has restarted 1 time

  Scenario: Without rights the default service account cannot watch pods and the JobManager restarts
    The watch creation is retried with back-off (kubernetes.transactional-operation.max-retries,
    15 by default, at most a minute apart) before the resource manager gives up.

    When I deploy a session cluster "my-session"
    Then within a minute the log of the JobManager of "my-session" contains "cannot watch resource"
    And for 5 minutes the JobManager of "my-session" does not restart
    And within 5 minutes the JobManager of "my-session" has restarted 1 time
