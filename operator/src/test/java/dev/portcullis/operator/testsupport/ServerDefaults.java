package dev.portcullis.operator.testsupport;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a real API server (1.2x) does to an object between the request and storage, which Fabric8's CRUD mock does
 * not: the defaulting functions of {@code pkg/apis/core/v1}, {@code apps/v1}, {@code batch/v1},
 * {@code networking/v1} and {@code policy/v1} (their {@code defaults.go}), the Service IP and port allocators, the
 * conversion of a Secret's {@code stringData} into {@code data}, and Go's {@code omitempty}, which drops empty lists
 * and strings a client sent. Custom resources (cert-manager's Certificates and Issuers) get no defaults: they are
 * stored as sent, durations included.
 *
 * <p>It works on the JSON form (a {@code GenericKubernetesResource}'s map), as the server does, so that nothing is
 * lost or reformatted by a typed model on the way. Only the fields the operator's objects can carry are modelled.
 */
@SuppressWarnings("unchecked")
public final class ServerDefaults {
  private ServerDefaults() {}

  /** Applies the server's defaults for the object's kind, in place; returns it. */
  public static Map<String, Object> apply(Map<String, Object> object) {
    String kind = (String) object.get("kind");
    Map<String, Object> spec = object.get("spec") instanceof Map<?, ?> m
        ? (Map<String, Object>) m : new LinkedHashMap<>();
    switch (kind) {
      case "Deployment" -> {
        putIfAbsent(spec, "replicas", 1);
        putIfAbsent(spec, "revisionHistoryLimit", 10);
        putIfAbsent(spec, "progressDeadlineSeconds", 600);
        Map<String, Object> strategy = map(spec, "strategy");
        putIfAbsent(strategy, "type", "RollingUpdate");
        if ("RollingUpdate".equals(strategy.get("type"))) {
          Map<String, Object> rolling = map(strategy, "rollingUpdate");
          putIfAbsent(rolling, "maxUnavailable", "25%");
          putIfAbsent(rolling, "maxSurge", "25%");
        }
        podTemplate(map(spec, "template"));
      }
      case "DaemonSet" -> {
        putIfAbsent(spec, "revisionHistoryLimit", 10);
        Map<String, Object> strategy = map(spec, "updateStrategy");
        putIfAbsent(strategy, "type", "RollingUpdate");
        if ("RollingUpdate".equals(strategy.get("type"))) {
          Map<String, Object> rolling = map(strategy, "rollingUpdate");
          putIfAbsent(rolling, "maxUnavailable", 1);
          putIfAbsent(rolling, "maxSurge", 0);
        }
        podTemplate(map(spec, "template"));
      }
      case "CronJob" -> {
        putIfAbsent(spec, "concurrencyPolicy", "Allow");
        putIfAbsent(spec, "suspend", false);
        putIfAbsent(spec, "successfulJobsHistoryLimit", 3);
        putIfAbsent(spec, "failedJobsHistoryLimit", 1);
        podTemplate(map(map(map(spec, "jobTemplate"), "spec"), "template"));
      }
      case "Service" -> service(spec);
      case "NetworkPolicy" -> {
        if (!spec.containsKey("policyTypes")) {
          var types = new ArrayList<Object>(List.of("Ingress"));
          if (spec.containsKey("egress")) {
            types.add("Egress");
          }
          spec.put("policyTypes", types);
        }
        for (Object rule : list(spec, "ingress")) {
          for (Object port : list((Map<String, Object>) rule, "ports")) {
            putIfAbsent((Map<String, Object>) port, "protocol", "TCP");
          }
        }
      }
      case "PersistentVolumeClaim" -> {
        putIfAbsent(spec, "volumeMode", "Filesystem");
        // the DefaultStorageClass admission plugin names the cluster's default class
        putIfAbsent(spec, "storageClassName", "standard");
      }
      case "Secret" -> {
        putIfAbsent(object, "type", "Opaque");
        Object stringData = object.remove("stringData");
        if (stringData instanceof Map<?, ?> sd) {
          Map<String, Object> data = map(object, "data");
          sd.forEach((k, v) -> data.put((String) k, java.util.Base64.getEncoder()
              .encodeToString(((String) v).getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        }
      }
      default -> {
        // ConfigMap, ServiceAccount, PodDisruptionBudget (policy/v1 defaults nothing the operator
        // leaves out), custom resources: stored as sent
      }
    }
    dropEmpty(object);
    return object;
  }

  private static void service(Map<String, Object> spec) {
    putIfAbsent(spec, "type", "ClusterIP");
    putIfAbsent(spec, "sessionAffinity", "None");
    String type = (String) spec.get("type");
    if (!"ExternalName".equals(type)) {
      putIfAbsent(spec, "clusterIP", "10.96.0.17");
      putIfAbsent(spec, "clusterIPs", new ArrayList<>(List.of(spec.get("clusterIP"))));
      putIfAbsent(spec, "ipFamilies", new ArrayList<>(List.of("IPv4")));
      putIfAbsent(spec, "ipFamilyPolicy", "SingleStack");
      putIfAbsent(spec, "internalTrafficPolicy", "Cluster");
    }
    if ("NodePort".equals(type) || "LoadBalancer".equals(type)) {
      putIfAbsent(spec, "externalTrafficPolicy", "Cluster");
    }
    if ("LoadBalancer".equals(type)) {
      putIfAbsent(spec, "allocateLoadBalancerNodePorts", true);
    }
    int nodePort = 31000;
    for (Object o : list(spec, "ports")) {
      Map<String, Object> port = (Map<String, Object>) o;
      putIfAbsent(port, "protocol", "TCP");
      putIfAbsent(port, "targetPort", port.get("port"));
      if ("NodePort".equals(type) || "LoadBalancer".equals(type)) {
        putIfAbsent(port, "nodePort", nodePort++);
      }
    }
  }

  private static void podTemplate(Map<String, Object> template) {
    Map<String, Object> pod = map(template, "spec");
    putIfAbsent(pod, "restartPolicy", "Always");
    putIfAbsent(pod, "terminationGracePeriodSeconds", 30);
    putIfAbsent(pod, "dnsPolicy", "ClusterFirst");
    putIfAbsent(pod, "schedulerName", "default-scheduler");
    putIfAbsent(pod, "securityContext", new LinkedHashMap<>());
    if (pod.get("serviceAccountName") != null) {
      // the deprecated alias, kept in step by the server
      putIfAbsent(pod, "serviceAccount", pod.get("serviceAccountName"));
    }
    for (String kind : List.of("initContainers", "containers")) {
      for (Object c : list(pod, kind)) {
        container((Map<String, Object>) c);
      }
    }
    for (Object v : list(pod, "volumes")) {
      Map<String, Object> volume = (Map<String, Object>) v;
      for (String source : List.of("secret", "configMap", "downwardAPI", "projected")) {
        if (volume.get(source) instanceof Map<?, ?> s) {
          putIfAbsent((Map<String, Object>) s, "defaultMode", 420);
          for (Object item : list((Map<String, Object>) s, "items")) {
            fieldRef((Map<String, Object>) item);
          }
          for (Object projection : list((Map<String, Object>) s, "sources")) {
            if (((Map<String, Object>) projection).get("serviceAccountToken") instanceof Map<?, ?> t) {
              putIfAbsent((Map<String, Object>) t, "expirationSeconds", 3600);
            }
          }
        }
      }
      if (volume.get("hostPath") instanceof Map<?, ?> h) {
        putIfAbsent((Map<String, Object>) h, "type", "");
      }
    }
  }

  private static void container(Map<String, Object> c) {
    putIfAbsent(c, "terminationMessagePath", "/dev/termination-log");
    putIfAbsent(c, "terminationMessagePolicy", "File");
    String image = String.valueOf(c.get("image"));
    String lastPart = image.substring(image.lastIndexOf('/') + 1);
    boolean latest = !image.contains("@") && (!lastPart.contains(":") || lastPart.endsWith(":latest"));
    putIfAbsent(c, "imagePullPolicy", latest ? "Always" : "IfNotPresent");
    for (Object p : list(c, "ports")) {
      putIfAbsent((Map<String, Object>) p, "protocol", "TCP");
    }
    for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
      if (c.get(probe) instanceof Map<?, ?> m) {
        Map<String, Object> pr = (Map<String, Object>) m;
        putIfAbsent(pr, "timeoutSeconds", 1);
        putIfAbsent(pr, "periodSeconds", 10);
        putIfAbsent(pr, "successThreshold", 1);
        putIfAbsent(pr, "failureThreshold", 3);
        if (pr.get("httpGet") instanceof Map<?, ?> get) {
          putIfAbsent((Map<String, Object>) get, "scheme", "HTTP");
        }
      }
    }
    for (Object e : list(c, "env")) {
      if (((Map<String, Object>) e).get("valueFrom") instanceof Map<?, ?> from) {
        fieldRef((Map<String, Object>) from);
      }
    }
  }

  private static void fieldRef(Map<String, Object> holder) {
    if (holder.get("fieldRef") instanceof Map<?, ?> ref) {
      putIfAbsent((Map<String, Object>) ref, "apiVersion", "v1");
    }
  }

  /** Go's omitempty: empty lists and strings a client sent are not stored (empty objects are). */
  private static void dropEmpty(Object node) {
    if (node instanceof Map<?, ?> m) {
      for (Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<?, ?> e = it.next();
        Object v = e.getValue();
        if (v == null || (v instanceof List<?> l && l.isEmpty()) || "".equals(v)
            && !"type".equals(e.getKey())) {
          it.remove();
        } else {
          dropEmpty(v);
        }
      }
    } else if (node instanceof List<?> l) {
      l.forEach(ServerDefaults::dropEmpty);
    }
  }

  private static void putIfAbsent(Map<String, Object> m, String key, Object value) {
    if (m.get(key) == null) {
      m.put(key, value);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<String, Object> parent, String key) {
    Object v = parent.get(key);
    if (v instanceof Map<?, ?> m) {
      return (Map<String, Object>) m;
    }
    var created = new LinkedHashMap<String, Object>();
    parent.put(key, created);
    return created;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Map<String, Object> parent, String key) {
    return parent.get(key) instanceof List<?> l ? (List<Object>) l : List.of();
  }
}
