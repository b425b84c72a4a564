// The replica set of docker-compose.cluster.yml, run once by its mongo-init service against
// mongo-1 (idempotent: a set that exists is left alone). Exits 0 once a primary is elected.
const members = ["mongo-1:27017", "mongo-2:27017", "mongo-3:27017"];
try {
  rs.status();
} catch (error) {
  rs.initiate({ _id: "rs0", members: members.map((host, index) => ({ _id: index, host })) });
}
for (let second = 0; second < 120 && !db.hello().primary; second++) {
  sleep(1000);
}
quit(db.hello().primary ? 0 : 1);
