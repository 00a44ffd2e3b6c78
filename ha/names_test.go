package ha

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestFixedJobID(t *testing.T) {
	for _, tc := range []struct{ haClusterID, want string }{
		{"a", "00000000000000610000000000000000"},
		{"/default", "000000006e6b13320000000000000000"},
		// A negative hash code is sign-extended.
		{"flink-ha-test", "ffffffffb1701d790000000000000000"},
		{"my-application", "ffffffff9e3b02af0000000000000000"},
		// Hashed over UTF-16 code units, surrogate pairs included.
		{"ü€😀", "00000000010840930000000000000000"},
	} {
		if got := FixedJobID(tc.haClusterID).String(); got != tc.want {
			t.Errorf("FixedJobID(%q) = %s, want %s", tc.haClusterID, got, tc.want)
		}
	}
}

func TestNames(t *testing.T) {
	job, err := ParseJobID("0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	for got, want := range map[string]string{
		ClusterConfigMapName("my-cid"):     "my-cid-cluster-config-map",
		JobConfigMapName("my-cid", job):    "my-cid-0123456789abcdef0123456789abcdef-config-map",
		LeaderKey(DispatcherComponent):     "org.apache.flink.k8s.leader.dispatcher",
		LeaderKey(JobMasterComponent(job)): "org.apache.flink.k8s.leader.job-0123456789abcdef0123456789abcdef",
		ExecutionPlanKey(job):              "executionPlan-0123456789abcdef0123456789abcdef",
	} {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
	if _, err := ParseJobID("xyz"); err == nil {
		t.Error("ParseJobID accepted xyz")
	}
}

func TestLeaderInformation(t *testing.T) {
	id := uuid.MustParse("a1b2c3d4-0000-4000-8000-000000000001")
	info := LeaderInformation{SessionID: id, Address: "http://10.0.0.1:8081,extra"}
	if s := info.String(); s != "a1b2c3d4-0000-4000-8000-000000000001,http://10.0.0.1:8081,extra" {
		t.Errorf("String = %s", s)
	}
	if got := ParseLeaderInformation(info.String()); got != info {
		t.Errorf("round trip = %+v (split at the first comma)", got)
	}
	for _, bad := range []string{"", "no-comma", "not-a-uuid,addr"} {
		if got := ParseLeaderInformation(bad); !got.IsEmpty() {
			t.Errorf("Parse(%q) = %+v, want empty", bad, got)
		}
	}
	if (LeaderInformation{}).String() != "" {
		t.Error("empty information has a stored form")
	}
	all := LeaderInformationOf(map[string]string{LeaderKey("dispatcher"): info.String(), LeaderKey("restserver"): "garbage", "counter": "3"})
	if len(all) != 2 || all["dispatcher"] != info || !all["restserver"].IsEmpty() {
		t.Errorf("LeaderInformationOf = %v", all)
	}
}

func TestLeaderRecordJSON(t *testing.T) {
	at := time.Date(2024, 11, 20, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))
	rec := LeaderRecord{HolderIdentity: "5b2c9d8e-2f0a-4c39-9a53-2d2f7a1c0e11", LeaseDuration: 15 * time.Second, AcquireTime: at, RenewTime: at.Add(1500 * time.Millisecond), LeaderTransitions: 2}
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"holderIdentity":"5b2c9d8e-2f0a-4c39-9a53-2d2f7a1c0e11","leaseDuration":15.000000000,"acquireTime":"2024-11-20T09:00:00.123456Z","renewTime":"2024-11-20T09:00:01.623456Z","leaderTransitions":2}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	var back LeaderRecord
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.HolderIdentity != rec.HolderIdentity || back.LeaseDuration != rec.LeaseDuration || !back.AcquireTime.Equal(at.Truncate(time.Microsecond)) || back.LeaderTransitions != 2 {
		t.Errorf("round trip = %+v", back)
	}
	// A release as fabric8 may write it, and sub-second leases.
	if err := json.Unmarshal([]byte(`{"holderIdentity":null,"leaseDuration":0.100000000,"acquireTime":"2024-11-20T09:00:00Z","renewTime":"2024-11-20T09:00:00.5Z","leaderTransitions":3}`), &back); err != nil {
		t.Fatal(err)
	}
	if back.HolderIdentity != "" || back.LeaseDuration != 100*time.Millisecond || back.RenewTime.Nanosecond() != 5e8 {
		t.Errorf("lenient parse = %+v", back)
	}
	if !back.Expired(back.RenewTime) {
		t.Error("a record without holder is not expired")
	}
	if err := json.Unmarshal([]byte(`{"leaseDuration":"abc"}`), &back); err == nil {
		t.Error("accepted a bad leaseDuration")
	}
}
