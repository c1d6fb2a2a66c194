# fleetacct agent image. Build from the repository root:
#   docker build -f docker/agent.Dockerfile -t fleetacct-agent .
# (Not built in CI: the project's machines have no container engine.)
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests -pl agent -am package \
 && mvn -B -q -pl agent dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/out/lib \
 && cp agent/target/fleetacct-agent-*[0-9T].jar /out/lib/ \
 && cp agent/src/main/dist/jvm.options /out/

FROM eclipse-temurin:17-jre
COPY --from=build /out/lib /opt/fleetacct/lib
COPY --from=build /out/jvm.options /opt/fleetacct/jvm.options
COPY docker/fleetacct-agent /opt/fleetacct/bin/fleetacct-agent
# The class-data-sharing archive for this image's own class path (the JVM refuses one made for any
# other): the same training run as the build's.
RUN java @/opt/fleetacct/jvm.options -XX:ArchiveClassesAtExit=/opt/fleetacct/agent.jsa -Xlog:cds=off \
      -cp "/opt/fleetacct/lib/*" io.fleetacct.agent.cli.ClassDataTraining
# Runs as root in the host's PID and network namespaces with CAP_NET_ADMIN only (see the chart).
# JVM options beyond jvm.options: FLEETACCT_JAVA_OPTS (the chart's agent.javaOpts).
ENTRYPOINT ["/opt/fleetacct/bin/fleetacct-agent"]
CMD ["--help"]
