// Package gc is the simulated cluster's garbage collector, an ordinary client-go
// controller (it runs against a real kube-apiserver too). It follows the real
// collector's rules: a dependent goes when none of its owners is alive (an owner is
// alive when an object of that kind, name and UID exists), owners being deleted in
// the foreground wait for their blocking dependents, orphaning removes the owner
// references before the owner goes, and a dependent with one live owner keeps living
// while references to absent owners are dropped from it.
package gc
