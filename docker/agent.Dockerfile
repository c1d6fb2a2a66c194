# fleetacct agent image. Build from the repository root:
#   docker build -f docker/agent.Dockerfile -t fleetacct-agent .
# (Not built in CI: the project's machines have no container engine.)
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests -pl agent -am package \
 && mvn -B -q -pl agent dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/out/lib \
 && cp agent/target/fleetacct-agent-*.jar /out/lib/

FROM eclipse-temurin:17-jre
COPY --from=build /out/lib /opt/fleetacct/lib
# Runs as root in the host's PID and network namespaces with CAP_NET_ADMIN only (see the chart).
ENTRYPOINT ["java", "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.fleetacct", \
  "-Dorg.apache.avro.specific.use_custom_coders=true", "-cp", "/opt/fleetacct/lib/*", \
  "io.fleetacct.agent.cli.AgentCli"]
CMD ["--help"]
