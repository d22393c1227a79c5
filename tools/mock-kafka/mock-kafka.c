/*
 * mock-kafka: a Kafka-protocol broker for local runs and tests, built on librdkafka's mock
 * cluster (no real Kafka can be installed on the project's machines, see DESIGN section 6).
 *
 *   mock-kafka [--brokers N] [--partitions P] topic[:partitions] ...
 *
 * Creates the topics itself (kafkajs admin calls fail against the mock's controller id 0),
 * prints "BOOTSTRAP=host:port,..." and "READY" on stdout, then reads commands on stdin:
 *   down <brokerId>   take a broker down (fault tests)
 *   up <brokerId>     bring it back
 *   quit              exit
 * It exits when stdin closes, so a parent that dies never leaves a broker behind.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_signal(int sig) { (void)sig; _exit(0); }

static void usage(void) {
  fprintf(stderr, "usage: mock-kafka [--brokers N] [--partitions P] topic[:partitions] ...\n");
  exit(2);
}

int main(int argc, char **argv) {
  int brokers = 1, default_partitions = 4, i;
  char errstr[512];
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGPIPE, SIG_IGN);

  for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
    if (i + 1 >= argc) usage();
    if (strcmp(argv[i], "--brokers") == 0) brokers = atoi(argv[++i]);
    else if (strcmp(argv[i], "--partitions") == 0) default_partitions = atoi(argv[++i]);
    else usage();
  }
  if (brokers < 1 || default_partitions < 1) usage();

  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "mock-kafka: %s\n", errstr);
    return 1;
  }
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) { fprintf(stderr, "mock-kafka: rd_kafka_new: %s\n", errstr); return 1; }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mc) { fprintf(stderr, "mock-kafka: could not create the mock cluster\n"); return 1; }

  for (; i < argc; i++) {
    char name[256];
    int partitions = default_partitions;
    const char *colon = strchr(argv[i], ':');
    size_t len = colon ? (size_t)(colon - argv[i]) : strlen(argv[i]);
    if (len == 0 || len >= sizeof name) usage();
    memcpy(name, argv[i], len);
    name[len] = 0;
    if (colon) partitions = atoi(colon + 1);
    if (partitions < 1) usage();
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, name, partitions, 1);
    if (err) {
      fprintf(stderr, "mock-kafka: topic %s: %s\n", name, rd_kafka_err2str(err));
      return 1;
    }
  }

  printf("BOOTSTRAP=%s\nREADY\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);

  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    int id;
    if (sscanf(line, "down %d", &id) == 1) {
      rd_kafka_mock_broker_set_down(mc, id);
      printf("OK down %d\n", id);
    } else if (sscanf(line, "up %d", &id) == 1) {
      rd_kafka_mock_broker_set_up(mc, id);
      printf("OK up %d\n", id);
    } else if (strncmp(line, "quit", 4) == 0) {
      break;
    } else {
      printf("ERR unknown command\n");
    }
    fflush(stdout);
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
