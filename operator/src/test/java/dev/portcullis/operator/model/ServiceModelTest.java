package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.ServiceSpec;
import dev.portcullis.operator.testsupport.Registries;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceModelTest {

  @Test
  void endpointIsTheFirstHostWithThePortUnlessItIs443() {
    var r = Registries.basic("apps", "reg");
    assertThat(ServiceModel.endpoint(r)).isEqualTo("reg.apps.svc:5000");
    r.getSpec().host = List.of("registry.example.com", "other.example.com");
    assertThat(ServiceModel.endpoint(r)).isEqualTo("registry.example.com:5000");
    r.getSpec().service = new ServiceSpec();
    r.getSpec().service.port = 443;
    assertThat(ServiceModel.endpoint(r)).isEqualTo("registry.example.com");
  }
}
