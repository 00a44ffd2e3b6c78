package jobjar

// Example is a job of the Flink distribution's examples folder.
type Example struct {
	// Path is where the apache/flink image ships the jar, relative to $FLINK_HOME
	// ("examples/streaming/TopSpeedWindowing.jar").
	Path       string
	Descriptor Descriptor
}

// Examples are the example jobs the Flink documentation runs on Kubernetes: the
// streaming TopSpeedWindowing and StateMachineExample (unbounded), and WordCount in
// its streaming and batch flavours (bounded: they finish after a few seconds).
func Examples() []Example {
	return []Example{
		{Path: "examples/streaming/TopSpeedWindowing.jar", Descriptor: Descriptor{
			Name:       "CarTopSpeedWindowingExample",
			EntryClass: "org.apache.flink.streaming.examples.windowing.TopSpeedWindowing",
			Type:       Streaming,
			Vertices: []Vertex{
				{Name: "Source: Car data generator source -> Timestamps/Watermarks"},
				{Name: "GlobalWindows -> Sink: Print to Std. Out"},
			},
		}},
		{Path: "examples/streaming/StateMachineExample.jar", Descriptor: Descriptor{
			Name:               "State machine job",
			EntryClass:         "org.apache.flink.streaming.examples.statemachine.StateMachineExample",
			Type:               Streaming,
			CheckpointInterval: "2 s",
			Vertices: []Vertex{
				{Name: "Source: Events Generator Source"},
				{Name: "Flat Map -> Sink: Print to Std. Out"},
			},
		}},
		{Path: "examples/streaming/WordCount.jar", Descriptor: Descriptor{
			Name:       "WordCount",
			EntryClass: "org.apache.flink.streaming.examples.wordcount.WordCount",
			Type:       Streaming,
			Duration:   "5 s",
			Vertices: []Vertex{
				{Name: "Source: in-memory-input -> tokenizer"},
				{Name: "counter -> Sink: print-sink"},
			},
		}},
		{Path: "examples/batch/WordCount.jar", Descriptor: Descriptor{
			Name:       "WordCount Example",
			EntryClass: "org.apache.flink.examples.java.wordcount.WordCount",
			Type:       Batch,
			Duration:   "5 s",
			Vertices: []Vertex{
				{Name: "CHAIN DataSource (at getDefaultTextLineDataSet) -> FlatMap (Tokenizer) -> Combine (SUM(1))"},
				{Name: "Reduce (SUM(1))"},
				{Name: "DataSink (Print to System.out)"},
			},
		}},
	}
}
