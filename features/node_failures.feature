@node-failures @resourcemanager
Feature: Node failures
  What happens to a Flink cluster when a Kubernetes node fails (reference §4.5, §4.8;
  Flink docs: Configuration → Kubernetes for kubernetes.taskmanager.tolerations and
  kubernetes.taskmanager.node-selector, heartbeat.timeout, Task Failure Recovery;
  Kubernetes "Taints and Tolerations" → taint-based evictions, and "Safely Drain a
  Node"). A node whose kubelet stops reporting turns NotReady after the grace period
  and is tainted node.kubernetes.io/unreachable; its pods are evicted once their
  toleration of that taint runs out (kubernetes.taskmanager.tolerations). The
  resource manager loses the TaskManager by heartbeat (heartbeat.timeout; an evicted
  pod on an unreachable node stays Terminating, so its watch sees no end), or sees the
  pod go on its watch, and requests a replacement, which the scheduler puts on a
  healthy node. A deleted node's pods are removed by the pod garbage
  collector; a drained node's pods are evicted at once.

  Background:
    Given a Kubernetes cluster with 3 nodes
    And the node "node-2" gets the label "pool=workers"
    And the node "node-3" gets the label "pool=workers"

  Scenario: A TaskManager on a NotReady node is replaced when its heartbeat times out, not when it is evicted
    The pod is evicted 60 s after the node turns NotReady (its toleration), but a pod
    on an unreachable node stays Terminating: the resource manager's watch sees no
    termination, so it is the heartbeat timeout that replaces the TaskManager.

    Given I deploy a session cluster "my-session" with the options:
      | kubernetes.jobmanager.node-selector   | kubernetes.io/hostname:node-1                                                         |
      | kubernetes.taskmanager.node-selector  | pool:workers                                                                          |
      | kubernetes.taskmanager.tolerations    | key:node.kubernetes.io/unreachable,operator:Exists,effect:NoExecute,tolerationSeconds:60 |
      | heartbeat.timeout                     | 4 min                                                                                 |
      | restart-strategy.type                 | fixed-delay                                                                           |
      | restart-strategy.fixed-delay.attempts | 3                                                                                     |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    When the node of any TaskManager pod of "my-session" becomes NotReady
    Then within 2 minutes the lost node is NotReady
    And within 2 minutes no TaskManager pod of "my-session" runs on the lost node
    And "my-session" created 1 TaskManager pod
    And within 3 minutes the TaskManager pod "my-session-taskmanager-1-2" is Running on another node
    And within a minute the log of the JobManager of "my-session" contains "Heartbeat of TaskManager with id my-session-taskmanager-1-1 timed out"
    And a minute passes
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And the job "CarTopSpeedWindowingExample" has restarted 1 time

  Scenario: A node that comes back after its TaskManager was replaced gets no TaskManager of its own
    The heartbeat timeout (90 s) is longer than the node's grace period (50 s), so that
    the replacement is not scheduled onto the failed node before it is tainted.

    Given I deploy a session cluster "my-session" with the options:
      | kubernetes.jobmanager.node-selector   | kubernetes.io/hostname:node-1 |
      | kubernetes.taskmanager.node-selector  | pool:workers                  |
      | heartbeat.timeout                     | 90 s                          |
      | restart-strategy.type                 | fixed-delay                   |
      | restart-strategy.fixed-delay.attempts | 3                             |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    When the node of any TaskManager pod of "my-session" becomes NotReady
    Then within 3 minutes the TaskManager pod "my-session-taskmanager-1-2" is Running on another node
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    When the lost node becomes Ready again
    Then within 2 minutes the lost node is Ready
    And for 30 minutes "my-session" keeps 1 Running TaskManager pod
    And the job "CarTopSpeedWindowingExample" is RUNNING

  Scenario: The TaskManagers of a deleted node are replaced on the remaining nodes
    Given I deploy a session cluster "my-session" with the options:
      | kubernetes.jobmanager.node-selector   | kubernetes.io/hostname:node-1 |
      | kubernetes.taskmanager.node-selector  | pool:workers                  |
      | taskmanager.numberOfTaskSlots         | 2                             |
      | restart-strategy.type                 | fixed-delay                   |
      | restart-strategy.fixed-delay.attempts | 3                             |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 4
    And within 2 minutes all 8 tasks of the job "CarTopSpeedWindowingExample" are running
    When the node of any TaskManager pod of "my-session" is deleted
    Then within 5 minutes no TaskManager pod of "my-session" runs on the lost node
    And within 3 minutes "my-session" has 2 Running TaskManager pods
    And within 2 minutes all 8 tasks of the job "CarTopSpeedWindowingExample" are running

  Scenario: Draining a node moves its TaskManagers to other nodes
    Given I deploy a session cluster "my-session" with the options:
      | kubernetes.jobmanager.node-selector   | kubernetes.io/hostname:node-1 |
      | kubernetes.taskmanager.node-selector  | pool:workers                  |
      | restart-strategy.type                 | fixed-delay                   |
      | restart-strategy.fixed-delay.attempts | 3                             |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    When the node of any TaskManager pod of "my-session" is drained
    Then within a minute the TaskManager pod "my-session-taskmanager-1-2" is Running on another node
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And the TaskManager pods of "my-session" are "my-session-taskmanager-1-2"

  Scenario: A job rides out a night of node failures
    Every hour one TaskManager node fails; the job keeps its slots by replacement.

    Given I deploy a session cluster "my-session" with the options:
      | kubernetes.jobmanager.node-selector   | kubernetes.io/hostname:node-1 |
      | kubernetes.taskmanager.node-selector  | pool:workers                  |
      | restart-strategy.type                 | fixed-delay                   |
      | heartbeat.timeout                     | 90 s                          |
      | restart-strategy.fixed-delay.attempts | 10                            |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    When the node of any TaskManager pod of "my-session" becomes NotReady
    And an hour passes
    And the lost node becomes Ready again
    And the node of any TaskManager pod of "my-session" becomes NotReady
    And an hour passes
    And the lost node becomes Ready again
    And the node of any TaskManager pod of "my-session" becomes NotReady
    And an hour passes
    Then within a minute "my-session" has 1 Running TaskManager pod
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And the job "CarTopSpeedWindowingExample" has restarted 3 times
