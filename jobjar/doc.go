// Package jobjar is the job artifact of flinksim: a jar (a zip file, as Flink's) whose
// program is not Java bytecode but a descriptor of a simulated job — its name, entry
// class, streaming or batch, parallelism, operator chain, how long its tasks run,
// its checkpoint interval and scripted task failures. The JobManager reads it where
// Flink would run main() and build a JobGraph; the jar travels the way Flink's does
// (REST upload, pipeline.jars in application mode, local:// inside the image, a
// file system URI).
//
// Examples holds the jars of the Flink distribution's examples the Flink
// documentation uses — streaming/TopSpeedWindowing.jar, streaming/StateMachineExample.jar,
// streaming/WordCount.jar and batch/WordCount.jar — as the apache/flink image ships
// them under /opt/flink/examples.
//
// # Layout
//
//	META-INF/MANIFEST.MF    Manifest-Version, Main-Class (the entry class)
//	flinksim/job.json       the Descriptor
//
// A jar without flinksim/job.json is refused with an error that says so: flinksim
// cannot run real Flink programs.
package jobjar
