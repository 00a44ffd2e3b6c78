@application @cli
Feature: flink run --target kubernetes-application
  Application mode (Flink docs "Native Kubernetes" → Application Mode, "Native
  Kubernetes" → User artifacts; reference §1.7, §1.12, §7.6): `./bin/flink run
  --target kubernetes-application -Dkubernetes.cluster-id=<id> local:///opt/flink/usrlib/my-job.jar`
  deploys a cluster whose JobManager runs the program itself. The job jar is a
  local:// path inside the image, or a remote URI the JobManager fetches. With
  kubernetes.artifacts.local-upload-enabled, local:// artifacts on the client are
  first uploaded to kubernetes.artifacts.local-upload-target (a distributed file
  system; here a simulated one with bucket-style s3:// and shared file:// paths) and
  the shipped URIs rewritten; an artifact already there is kept unless
  kubernetes.artifacts.local-upload-overwrite is set. A cluster whose Service
  <cluster-id>-rest exists already is refused.

  Background:
    Given a Kubernetes cluster with 3 nodes

  Scenario: The job jar is in the image
    When I run `flink run --target kubernetes-application -Dkubernetes.cluster-id=my-app -c org.example.WordCount local:///opt/flink/usrlib/my-job.jar --input s3://data/in`
    Then the command succeeds
    And the command output contains "Create flink application cluster my-app successfully, JobManager Web Interface: http://my-app-rest.default:8081"
    And the shipped configuration of "my-app" has "execution.target" set to "kubernetes-application"
    And the shipped configuration of "my-app" has "pipeline.jars" set to "local:///opt/flink/usrlib/my-job.jar"
    And the shipped configuration of "my-app" has "$internal.application.main" set to "org.example.WordCount"
    And the shipped configuration of "my-app" has "$internal.application.program-args" set to "--input;s3://data/in"
    And the shipped configuration of "my-app" has "kubernetes.internal.jobmanager.entrypoint.class" set to "org.apache.flink.kubernetes.entrypoint.KubernetesApplicationClusterEntrypoint"
    And the main container of "my-app" runs "kubernetes-jobmanager.sh kubernetes-application"
    And the volume "user-artifacts-volume" of the JobManager pod template of "my-app" is an emptyDir
    And the container "flink-main-container" of the JobManager pod template of "my-app" mounts "user-artifacts-volume" at "/opt/flink/artifacts"
    And the distributed file system holds no files
    And within a minute the JobManager pod of "my-app" is Running

  Scenario: run-application is the 1.x spelling of the same
    When I run `flink run-application -t kubernetes-application -Dkubernetes.cluster-id=my-app local:///opt/flink/usrlib/my-job.jar`
    Then the command succeeds
    And the shipped configuration of "my-app" has "pipeline.jars" set to "local:///opt/flink/usrlib/my-job.jar"

  Scenario: A local jar is uploaded to an s3:// bucket and the shipped URI rewritten
    Given the distributed file system has the bucket "s3://flink-artifacts"
    And the local file "/home/flink/jobs/my-job.jar" contains:
      """
      PK my job
      """
    When I run `flink run -t kubernetes-application -Dkubernetes.cluster-id=my-app -Dkubernetes.artifacts.local-upload-enabled=true -Dkubernetes.artifacts.local-upload-target=s3://flink-artifacts/jobs local:///home/flink/jobs/my-job.jar`
    Then the command succeeds
    And the file "s3://flink-artifacts/jobs/my-job.jar" in the distributed file system contains "PK my job"
    And the shipped configuration of "my-app" has "pipeline.jars" set to "s3://flink-artifacts/jobs/my-job.jar"
    And within a minute the JobManager pod of "my-app" is Running

  Scenario: A file:// upload target is a shared file system without buckets
    Given the local file "/home/flink/jobs/my-job.jar" contains:
      """
      PK my job
      """
    When I run `flink run -t kubernetes-application -Dkubernetes.cluster-id=my-app -Dkubernetes.artifacts.local-upload-enabled=true -Dkubernetes.artifacts.local-upload-target=file:///mnt/shared/artifacts local:///home/flink/jobs/my-job.jar`
    Then the command succeeds
    And the distributed file system holds exactly the files:
      | file:///mnt/shared/artifacts/my-job.jar |
    And the shipped configuration of "my-app" has "pipeline.jars" set to "file:///mnt/shared/artifacts/my-job.jar"

  Scenario: An artifact already uploaded is kept, not overwritten
    Given the distributed file system has the file "s3://flink-artifacts/jobs/my-job.jar" containing "PK version 1"
    And the local file "/home/flink/jobs/my-job.jar" contains:
      """
      PK version 2
      """
    When I run `flink run -t kubernetes-application -Dkubernetes.cluster-id=my-app -Dkubernetes.artifacts.local-upload-enabled=true -Dkubernetes.artifacts.local-upload-target=s3://flink-artifacts/jobs local:///home/flink/jobs/my-job.jar`
    Then the command succeeds
    And the command output contains "skip uploading artifact local:///home/flink/jobs/my-job.jar: s3://flink-artifacts/jobs/my-job.jar already exists"
    And the file "s3://flink-artifacts/jobs/my-job.jar" in the distributed file system contains "PK version 1"
    And the shipped configuration of "my-app" has "pipeline.jars" set to "s3://flink-artifacts/jobs/my-job.jar"

  Scenario: kubernetes.artifacts.local-upload-overwrite replaces the uploaded artifact
    Given the distributed file system has the file "s3://flink-artifacts/jobs/my-job.jar" containing "PK version 1"
    And the local file "/home/flink/jobs/my-job.jar" contains:
      """
      PK version 2
      """
    When I run `flink run -t kubernetes-application -Dkubernetes.cluster-id=my-app -Dkubernetes.artifacts.local-upload-enabled=true -Dkubernetes.artifacts.local-upload-overwrite=true -Dkubernetes.artifacts.local-upload-target=s3://flink-artifacts/jobs local:///home/flink/jobs/my-job.jar`
    Then the command succeeds
    And the file "s3://flink-artifacts/jobs/my-job.jar" in the distributed file system contains "PK version 2"

  Scenario: Remote artifacts stay where they are; only local ones are uploaded
    Given the distributed file system has the file "s3://flink-artifacts/jobs/my-job.jar" containing "PK job"
    And the distributed file system has the file "s3://flink-artifacts/libs/remote-udf.jar" containing "PK remote udf"
    And the local file "/home/flink/libs/local-udf.jar" contains:
      """
      PK local udf
      """
    When I run `flink run -t kubernetes-application -Dkubernetes.cluster-id=my-app -Dkubernetes.artifacts.local-upload-enabled=true -Dkubernetes.artifacts.local-upload-target=s3://flink-artifacts/uploads "-Duser.artifacts.artifact-list=local:///home/flink/libs/local-udf.jar;s3://flink-artifacts/libs/remote-udf.jar" s3://flink-artifacts/jobs/my-job.jar`
    Then the command succeeds
    And the shipped configuration of "my-app" has "pipeline.jars" set to "s3://flink-artifacts/jobs/my-job.jar"
    And the shipped configuration of "my-app" has "user.artifacts.artifact-list" set to "s3://flink-artifacts/uploads/local-udf.jar;s3://flink-artifacts/libs/remote-udf.jar"
    And the distributed file system holds exactly the files:
      | s3://flink-artifacts/jobs/my-job.jar        |
      | s3://flink-artifacts/libs/remote-udf.jar    |
      | s3://flink-artifacts/uploads/local-udf.jar  |
    And the file "s3://flink-artifacts/uploads/local-udf.jar" in the distributed file system contains "PK local udf"

  Scenario: A remote job jar needs no upload target
    When I run `flink run -t kubernetes-application -Dkubernetes.cluster-id=my-app https://repo.example/jobs/my-job.jar`
    Then the command succeeds
    And the shipped configuration of "my-app" has "pipeline.jars" set to "https://repo.example/jobs/my-job.jar"

  Scenario: An application cluster is refused when a cluster of that id runs
    Given a session cluster "my-app" is running
    When I run `flink run -t kubernetes-application -Dkubernetes.cluster-id=my-app local:///opt/flink/usrlib/my-job.jar`
    Then the command fails with an error mentioning "already exists"
    And the command output contains "kill it first or choose another kubernetes.cluster-id"
    And the deployment "my-app" was created once
    And the shipped configuration of "my-app" has "execution.target" set to "kubernetes-session"
    And within a minute the JobManager pod of "my-app" is Running

  Scenario: Uploading into a bucket that does not exist fails and leaves nothing behind
    Given the local file "/home/flink/jobs/my-job.jar" contains:
      """
      PK my job
      """
    When I run `flink run -t kubernetes-application -Dkubernetes.cluster-id=my-app -Dkubernetes.artifacts.local-upload-enabled=true -Dkubernetes.artifacts.local-upload-target=s3://no-such-bucket/jobs local:///home/flink/jobs/my-job.jar`
    Then the command fails with an error mentioning "the bucket s3://no-such-bucket does not exist; create it or choose an existing bucket"
    And no object labelled "app=my-app" exists
    And the distributed file system holds no files

  Scenario: Uploading without a target asks for one
    When I run `flink run -t kubernetes-application -Dkubernetes.cluster-id=my-app -Dkubernetes.artifacts.local-upload-enabled=true local:///home/flink/jobs/my-job.jar`
    Then the command fails with an error mentioning "requires kubernetes.artifacts.local-upload-target to be set"
    And no object labelled "app=my-app" exists

  Scenario: The job jar of the command line wins over pipeline.jars (program options beat -D, as in Flink)
    When I run `flink run -t kubernetes-application -Dkubernetes.cluster-id=my-app "-Dpipeline.jars=local:///a.jar;local:///b.jar" -c org.example.Main -j local:///a.jar`
    Then the command succeeds
    And the shipped configuration of "my-app" has "pipeline.jars" set to "local:///a.jar"
