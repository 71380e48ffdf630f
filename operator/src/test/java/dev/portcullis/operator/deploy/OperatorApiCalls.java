package dev.portcullis.operator.deploy;

import dev.portcullis.operator.deploy.Rbac.Call;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Deleter;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The API calls the operator makes, derived from its code and recorded from its requests. */
final class OperatorApiCalls {
  private OperatorApiCalls() {}

  /**
   * What the workflow's dependents need: informers list and watch; a Creator creates, an Updater
   * updates (and patches, as JOSDK may), a Deleter deletes (JOSDK deletes a dependent whose
   * precondition stops holding). Plus the primary resource and its status.
   */
  static Set<Call> fromDependents(Class<?> reconciler, Class<? extends HasMetadata> primary,
      String namespace) throws Exception {
    var calls = new LinkedHashSet<Call>();
    String pg = HasMetadata.getGroup(primary);
    String pp = HasMetadata.getPlural(primary);
    for (String verb : List.of("list", "watch", "get", "update", "patch")) {
      calls.add(new Call(pg, pp, verb, namespace, null));
    }
    calls.add(new Call(pg, pp + "/status", "patch", namespace, null));
    Workflow workflow = reconciler.getAnnotation(Workflow.class);
    for (var d : workflow.dependents()) {
      var dependent = (DependentResource<?, ?>) d.type().getDeclaredConstructor().newInstance();
      @SuppressWarnings("unchecked")
      var type = (Class<? extends HasMetadata>) dependent.resourceType();
      String group = HasMetadata.getGroup(type);
      String plural = HasMetadata.getPlural(type);
      var verbs = new ArrayList<>(List.of("list", "watch"));
      if (dependent instanceof Creator<?, ?>) {
        verbs.add("create");
      }
      if (dependent instanceof Updater<?, ?>) {
        verbs.addAll(List.of("update", "patch"));
      }
      if (dependent instanceof Deleter<?>) {
        verbs.add("delete");
      }
      for (String verb : verbs) {
        calls.add(new Call(group, plural, verb, namespace, null));
      }
    }
    return calls;
  }

  /**
   * An API request as RBAC names it, or null for discovery and other non-resource URLs (which
   * every authenticated client may read).
   */
  static Call fromRequest(RecordedRequest request) {
    URI uri = URI.create(request.getPath());
    List<String> seg = new ArrayList<>(Arrays.asList(uri.getPath().replaceFirst("^/", "")
        .split("/")));
    String group;
    if (seg.size() >= 3 && seg.get(0).equals("api")) {
      group = "";
      seg = seg.subList(2, seg.size());
    } else if (seg.size() >= 4 && seg.get(0).equals("apis")) {
      group = seg.get(1);
      seg = seg.subList(3, seg.size());
    } else {
      return null;
    }
    String namespace = null;
    if (seg.size() >= 3 && seg.get(0).equals("namespaces")) {
      namespace = seg.get(1);
      seg = seg.subList(2, seg.size());
    }
    String resource = seg.get(0);
    String name = seg.size() >= 2 ? seg.get(1) : null;
    if (seg.size() >= 3) {
      resource = resource + "/" + seg.get(2);
    }
    String query = uri.getQuery() == null ? "" : uri.getQuery();
    String verb = switch (request.getMethod()) {
      case "GET" -> query.contains("watch=true") ? "watch" : name == null ? "list" : "get";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> name == null ? "deletecollection" : "delete";
      default -> request.getMethod().toLowerCase();
    };
    if (group.isEmpty() && resource.equals("namespaces") && name != null) {
      // the API server authorizes a request for one Namespace object as a request in that
      // namespace: a RoleBinding there can grant it
      namespace = name;
    }
    return new Call(group, resource, verb, namespace, name);
  }
}
