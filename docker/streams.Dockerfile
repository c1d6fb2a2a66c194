# fleetacct streams image (the aggregation and its query API). Build from the repository root:
#   docker build -f docker/streams.Dockerfile -t fleetacct-streams .
# (Not built in CI: the project's machines have no container engine.)
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests -pl streams -am package \
 && mvn -B -q -pl streams dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/out/lib \
 && cp streams/target/fleetacct-streams-*.jar /out/lib/

FROM eclipse-temurin:17-jre
COPY --from=build /out/lib /opt/fleetacct/lib
USER 10001
ENTRYPOINT ["java", "-Dorg.apache.avro.specific.use_custom_coders=true", "-cp", "/opt/fleetacct/lib/*", \
  "io.fleetacct.streams.cli.StreamsCli"]
CMD ["--help"]
