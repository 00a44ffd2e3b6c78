@logging
Feature: The logging ConfigMap
  Flink docs "Native Kubernetes" → Logging, and reference §7.4: the client's
  log4j-console.properties and logback-console.xml go into the ConfigMap
  flink-config-<cluster-id>, which every JobManager and TaskManager pod mounts at
  /opt/flink/conf. The log level can be changed at runtime by editing that ConfigMap
  when the logging framework watches its file (log4j's monitorInterval, logback's
  scan/scanPeriod); the kubelet brings the change into the mounted file. A file that
  does not ask to be watched is read once, when the process starts.

  Background:
    Given a Kubernetes cluster with 3 nodes

  Scenario: With logback-console.xml the processes log through logback, and a level change reaches them
    Given the local file "/opt/flink/conf/logback-console.xml" contains:
      """
      <configuration scan="true" scanPeriod="25 seconds">
        <appender name="console" class="ch.qos.logback.core.ConsoleAppender">
          <encoder>
            <pattern>%d{yyyy-MM-dd HH:mm:ss,SSS} %-5level %-60logger{60} %X{sourceThread} - %msg%n</pattern>
          </encoder>
        </appender>
        <root level="WARN">
          <appender-ref ref="console"/>
        </root>
      </configuration>
      """
    And a session cluster "my-session" is running
    And the configmap "flink-config-my-session" has the key "logback-console.xml"
    And the configmap "flink-config-my-session" does not have the key "log4j-console.properties"
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And the log of the TaskManager pod "my-session-taskmanager-1-1" does not contain " INFO "
    When I change the root log level of "my-session" to DEBUG in its configmap
    Then within 3 minutes the log of the TaskManager pod "my-session-taskmanager-1-1" contains " DEBUG "
    And within a minute the log of the JobManager of "my-session" contains " DEBUG "

  Scenario: A logback-console.xml without scan is read once; a new TaskManager reads the new level
    Given the local file "/opt/flink/conf/logback-console.xml" contains:
      """
      <configuration>
        <root level="WARN">
          <appender-ref ref="console"/>
        </root>
      </configuration>
      """
    And I deploy a session cluster "my-session" with the options:
      | restart-strategy.type                 | fixed-delay |
      | restart-strategy.fixed-delay.attempts | 3           |
    And I submit the example "streaming/TopSpeedWindowing.jar" to "my-session" with parallelism 1
    And within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    When I change the root log level of "my-session" to INFO in its configmap
    And 10 minutes pass
    Then the log of the TaskManager pod "my-session-taskmanager-1-1" does not contain " INFO "
    When the TaskManager pod "my-session-taskmanager-1-1" crashes
    Then within 2 minutes all 2 tasks of the job "CarTopSpeedWindowingExample" are running
    And within a minute the log of the TaskManager pod "my-session-taskmanager-1-2" contains " INFO "
