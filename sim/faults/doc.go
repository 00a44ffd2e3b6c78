// Package faults is the catalogue of API-server faults for the simulated cluster:
// errors with a status code and reason, refusals as an admission plugin words them
// (403 Forbidden), latency, throttling (429 with Retry-After), an
// unavailable API server (refused connections), a write committed whose response is
// lost, and watches that end early or with ERROR 410. Each constructor returns a *Fault,
// an apiserver.Fault that scenarios install with (*apiserver.Server).AddFault (the
// cluster's Server()) and remove with RemoveFault:
//
//	f := faults.Error(faults.Match{Verb: "update", Resource: "configmaps", Name: "*-leader"},
//		http.StatusInternalServerError, metav1.StatusReasonInternalError, "etcd is slow", faults.Times(3))
//	cluster.Server().AddFault(f)
//
// A Match says which requests a fault is about (user, verb, resource, namespace, name, as
// patterns, and the labels of the objects concerned, as a label selector); options say when it strikes: the first n times, after n requests, with a
// seeded probability, for a while. Every request a fault strikes shows it in the request
// log (Entry.Fault). Open watches are struck by the server's DropWatches, FailWatches and
// ExpireWatches, with Match.Matches as the predicate.
//
// The faults act where a real cluster would fail: latency is in front of the server and
// ends when the caller's context does (the request is then not served); throttling
// answers as API priority and fairness does, and client-go's retry of Retry-After answers
// (which the simulated clients reproduce) hides it from the caller unless it lasts; an
// unavailable server refuses connections and drops the open watches, as a stopped
// kube-apiserver does.
package faults
