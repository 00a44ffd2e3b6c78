@secrets @cli
Feature: Secrets as files and as environment variables
  Flink docs "Native Kubernetes" → Using Secrets, and reference §1.4, §7.7:
  kubernetes.secrets (secret:path,…) mounts each secret into the JobManager and
  TaskManager main containers as a volume named <secret>-volume, and
  kubernetes.env.secretKeyRef (env:<VAR>,secret:<secret>,key:<key>;…) turns secret
  keys into environment variables of the main containers.

  Background:
    Given a Kubernetes cluster with 3 nodes
    And a secret "db-credentials" with the keys:
      | user     | flink  |
      | password | s3cr3t |
    And a secret "tls" with the keys:
      | tls.crt | cert |

  Scenario: A secret mounted as files
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session -Dkubernetes.secrets=db-credentials:/opt/secrets/db,tls:/opt/secrets/tls`
    Then the command succeeds
    And the volume "db-credentials-volume" of the JobManager pod template of "my-session" is the secret "db-credentials"
    And the volume "tls-volume" of the JobManager pod template of "my-session" is the secret "tls"
    And the container "flink-main-container" of the JobManager pod template of "my-session" mounts "db-credentials-volume" at "/opt/secrets/db"
    And the container "flink-main-container" of the JobManager pod template of "my-session" mounts "tls-volume" at "/opt/secrets/tls"
    And the shipped configuration of "my-session" has "kubernetes.secrets" set to "db-credentials:/opt/secrets/db,tls:/opt/secrets/tls"
    And within a minute the JobManager pod of "my-session" is Running

  Scenario: Secret keys as environment variables
    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session "-Dkubernetes.env.secretKeyRef=env:DB_USER,secret:db-credentials,key:user;env:DB_PASSWORD,secret:db-credentials,key:password"`
    Then the command succeeds
    And the container "flink-main-container" of the JobManager pod template of "my-session" has the environment variable "DB_USER" from the secret "db-credentials" key "user"
    And the container "flink-main-container" of the JobManager pod template of "my-session" has the environment variable "DB_PASSWORD" from the secret "db-credentials" key "password"
    And within a minute the JobManager pod of "my-session" is Running

  Scenario: A mounted secret that does not exist keeps the JobManager from starting
    Kubernetes does not start a pod whose secret volume is missing; Flink does not
    check secrets when it deploys.

    When I run `kubernetes-session -Dkubernetes.cluster-id=my-session -Dkubernetes.secrets=missing:/opt/secrets/missing`
    Then the command succeeds
    And the volume "missing-volume" of the JobManager pod template of "my-session" is the secret "missing"
    And for 2 minutes the JobManager pod of "my-session" is not Running
    And the command output contains "Create flink session cluster my-session successfully"
