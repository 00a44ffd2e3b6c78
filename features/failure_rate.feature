@failure-rate @resourcemanager
Feature: Start-failure rate and cool-down over hours
  Flink docs: Configuration → ResourceManager, the options
  resourcemanager.start-worker.max-failure-rate (10 per minute) and
  resourcemanager.start-worker.retry-interval (3 s); reference §2.3, §4.6 and §4.8
  (fact 11). TaskManager pods that fail before their TaskManager registers — a pod
  creation the API server refuses, a container that cannot start — are start failures.
  They are counted over a sliding minute; when the count reaches
  resourcemanager.start-worker.max-failure-rate, the resource manager starts no new
  pod for resourcemanager.start-worker.retry-interval. So a cluster that cannot get
  TaskManagers for hours asks for them at a bounded pace, keeps no failed pods around,
  and its JobManager stays up; once the cause is gone, the next pod starts and the job
  runs.

  Background:
    Given a Kubernetes cluster with 3 nodes

  Scenario: A TaskManager image without Flink fails every pod for hours at a paced rate
    The TaskManager pod template names an image that has no Flink start script: every
    TaskManager container fails to start and its pod fails. Three failures in a minute
    pause new pods for five minutes: about 3 pods every 5 minutes.

    Given the local file "/home/flink/taskmanager-template.yaml" contains:
      """
      apiVersion: v1
      kind: Pod
      spec:
        containers:
          - name: flink-main-container
            image: busybox:latest
      """
    And I deploy a session cluster "my-session" with the options:
      | kubernetes.pod-template-file.taskmanager      | /home/flink/taskmanager-template.yaml |
      | resourcemanager.start-worker.max-failure-rate | 3                                     |
      | resourcemanager.start-worker.retry-interval   | 5 min                                 |
      | slot.request.timeout                          | 3 h                                   |
    And within a minute the REST endpoint of "my-session" answers from inside the cluster
    When I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    Then for 2 hours "my-session" has at most 1 TaskManager pod
    And "my-session" attempted at most 3 TaskManager pod creations in any minute
    And "my-session" attempted between 60 and 80 TaskManager pod creations
    And the log of the JobManager of "my-session" contains "flink-main-container(exitCode=128"
    And the JobManager of "my-session" has restarted 0 times
    And the job "CarTopSpeedWindowingExample" is RUNNING

  Scenario: Two hours of quota refusals, then the quota is raised and the job runs
    Given I deploy a session cluster "my-session" with the options:
      | resourcemanager.start-worker.max-failure-rate | 5    |
      | resourcemanager.start-worker.retry-interval   | 30 s |
      | slot.request.timeout                          | 3 h  |
    And within a minute the REST endpoint of "my-session" answers from inside the cluster
    And the API server refuses TaskManager pod creations for 2 hours with "exceeded quota: pods, requested: pods=1, used: pods=10, limited: pods=10"
    When I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    Then for 2 hours no TaskManager pod of "my-session" exists
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And "my-session" attempted at most 6 TaskManager pod creations in any minute
    And within a minute "my-session" has exactly 1 TaskManager pod
    And the JobManager of "my-session" has restarted 0 times
